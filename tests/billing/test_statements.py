"""Statement PDFs: downloaded by the Celery task, stored under MEDIA_ROOT with size and sha256,
retried with backoff on 5xx, failed with the reason after the last try, served to finance only."""

import hashlib
import time

import pytest

from billing.models import Invoice, StatementPdf

pytestmark = pytest.mark.django_db(transaction=True)


def _wait(statement_pk, states, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statement = StatementPdf.objects.get(pk=statement_pk)
        if statement.state in states:
            return statement
        time.sleep(0.1)
    raise AssertionError(f"statement stuck in {statement.state}: {statement.last_error}")


@pytest.fixture
def invoice(sandbox):
    from tests.billing.conftest import sync_invoices

    sync_invoices()
    return Invoice.objects.get(invoice_id="G000773582")


def test_download_store_and_serve(
    invoice, pc_user_connection, celery_worker, settings, finance_client, sales_client
):
    from billing.services.statements import statement_request

    statement = statement_request(invoice=invoice)
    statement = _wait(statement.pk, {"stored", "failed"})
    assert statement.state == "stored", statement.last_error
    data = statement.file.read()
    assert data.startswith(b"%PDF-")
    assert statement.size == len(data)
    assert statement.sha256 == hashlib.sha256(data).hexdigest()
    assert str(settings.MEDIA_ROOT) in statement.file.path
    response = finance_client.get(f"/billing/invoices/{invoice.invoice_id}/statement/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert 'filename="Invoice_G000773582.pdf"' in response["Content-Disposition"]
    assert sales_client.get(f"/billing/invoices/{invoice.invoice_id}/statement/").status_code == 403


def test_transient_failures_are_retried(invoice, pc_user_connection, sandbox, celery_worker):
    from billing.services.statements import statement_request

    sandbox.add_fault("503", path="/v1/invoices/*/documents/statement", count=2)
    statement = statement_request(invoice=invoice)
    statement = _wait(statement.pk, {"stored", "failed"})
    assert statement.state == "stored" and statement.attempts == 3


def test_gives_up_after_last_try_with_reason(
    invoice, pc_user_connection, sandbox, celery_worker, finance_client
):
    from billing.services.statements import statement_request

    sandbox.add_fault("500", path="/v1/invoices/*/documents/statement")
    statement = statement_request(invoice=invoice)
    statement = _wait(statement.pk, {"stored", "failed"})
    assert statement.state == "failed" and statement.attempts == 3
    assert "Gave up after 3 attempts" in statement.last_error
    page = finance_client.get(f"/billing/invoices/{invoice.invoice_id}/").content.decode()
    assert "Failed" in page and "Gave up after 3 attempts" in page


def test_without_partner_sign_in_fails_at_once(invoice, celery_worker):
    from billing.services.statements import statement_request

    statement = statement_request(invoice=invoice)
    statement = _wait(statement.pk, {"stored", "failed"})
    assert statement.state == "failed" and statement.attempts == 1
    assert "signed-in partner user" in statement.last_error


def test_new_invoices_queue_their_statement(sandbox, pc_user_connection, celery_worker):
    from billing.services.invoices import invoice_sync_all

    result = invoice_sync_all()
    assert result.new_ids
    for invoice_id in result.new_ids:
        statement = StatementPdf.objects.get(invoice__invoice_id=invoice_id)
        _wait(statement.pk, {"stored"})
