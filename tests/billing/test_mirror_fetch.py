"""Invoices named by id that the mirror does not hold are read from Partner Center by id (App+User):
``import_invoice_lines``, ``reconcile``, the invoice page and the invoice search box."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from billing.models import Invoice, InvoiceLineItem
from tests.mirror_pages import HTMX, follow_fetch, pc_calls, text, words

MISSING = "G999999999"


def _run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# -- import_invoice_lines ---------------------------------------------------------------------


@pytest.mark.django_db
def test_import_invoice_lines_fetches_an_unmirrored_invoice(pc_user_connection, unmirrored_invoice):
    out = _run("import_invoice_lines", unmirrored_invoice, "--verbosity", "0")
    assert f"Read invoice {unmirrored_invoice} from Partner Center by id." in out
    assert f"Imported {unmirrored_invoice}: 4 lines" in out
    invoice = Invoice.objects.get(invoice_id=unmirrored_invoice)
    assert invoice.currency == "USD" and invoice.total_charges > 0
    assert InvoiceLineItem.objects.filter(invoice=invoice).count() == 4


@pytest.mark.django_db
def test_import_invoice_lines_names_partner_centers_404(pc_user_connection):
    with pytest.raises(
        CommandError,
        match=rf"Partner Center has no invoice {MISSING} \(request id [0-9a-f-]{{36}}\)\.",
    ):
        _run("import_invoice_lines", MISSING)
    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_import_invoice_lines_without_app_user_says_so(sandbox, unmirrored_invoice):
    with pytest.raises(
        CommandError,
        match=f"Reading invoice {unmirrored_invoice} .* needs the App\\+User connection",
    ):
        _run("import_invoice_lines", unmirrored_invoice)


# -- reconcile ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reconcile_fetches_the_invoice_and_offers_its_lines(pc_user_connection, unmirrored_invoice):
    with pytest.raises(CommandError) as missing:
        _run("reconcile", unmirrored_invoice)
    # The invoice is mirrored now; what it implies (its lines) is named, with the way to get it.
    assert Invoice.objects.filter(invoice_id=unmirrored_invoice).exists()
    assert f"The line items of invoice {unmirrored_invoice} are not in the portal yet" in str(
        missing.value
    )
    assert "--import-lines" in str(missing.value)

    out = _run("reconcile", unmirrored_invoice, "--import-lines")
    assert "Imported 4 line items." in out
    assert f"Invoice {unmirrored_invoice}: 4 lines" in out
    assert "Billed, not ordered" in out or "billed_not_ordered" in out.lower().replace(" ", "_")


@pytest.mark.django_db
def test_reconcile_names_partner_centers_404(pc_user_connection):
    with pytest.raises(
        CommandError, match=rf"Partner Center has no invoice {MISSING} \(request id "
    ):
        _run("reconcile", MISSING)


@pytest.mark.django_db
def test_reconcile_without_app_user_says_so(sandbox, unmirrored_invoice):
    with pytest.raises(CommandError, match="needs the App\\+User connection"):
        _run("reconcile", unmirrored_invoice)


# -- the invoice page and the invoice search (fetch runs in a Celery task) ---------------------


def test_invoice_page_fetches_in_the_background_then_shows_it(
    pc_user_connection, celery_worker, finance_client, unmirrored_invoice
):
    page = finance_client.get(f"/billing/invoices/{unmirrored_invoice}/")
    assert page.status_code == 200
    assert "not in the portal yet" in text(page) and "<progress" in text(page)
    done = follow_fetch(finance_client, f"/billing/invoices/{unmirrored_invoice}/fetch/status/")
    assert done.get("HX-Redirect") == f"/billing/invoices/{unmirrored_invoice}/", words(done)
    shown = text(finance_client.get(done["HX-Redirect"]))
    assert f"Invoice {unmirrored_invoice}" in shown and 'id="invoice-total"' in shown
    # What the invoice implies and the portal lacks: its line items, with the button to import them.
    assert f"The line items of invoice {unmirrored_invoice} are not in the portal yet" in shown
    assert "Import line items" in shown


def test_invoice_page_shows_partner_centers_404_in_words(
    pc_user_connection, celery_worker, finance_client
):
    finance_client.get(f"/billing/invoices/{MISSING}/")
    done = follow_fetch(finance_client, f"/billing/invoices/{MISSING}/fetch/status/")
    assert "HX-Redirect" not in done
    assert f"Partner Center has no invoice {MISSING} (request id " in text(done)
    assert "Try again" in text(done)
    # Reloading the page does not ask Partner Center again; it shows the answer.
    again = text(finance_client.get(f"/billing/invoices/{MISSING}/"))
    assert f"Partner Center has no invoice {MISSING}" in again and "<progress" not in again
    # The reconciliation page of an unmirrored invoice leads to the invoice page (which reads it).
    recon = finance_client.get(f"/billing/invoices/{MISSING}/reconciliation/")
    assert recon.status_code == 302 and recon["Location"] == f"/billing/invoices/{MISSING}/"


def test_invoice_page_without_app_user_says_so(
    sandbox, celery_worker, finance_client, unmirrored_invoice
):
    finance_client.get(f"/billing/invoices/{unmirrored_invoice}/")
    done = follow_fetch(finance_client, f"/billing/invoices/{unmirrored_invoice}/fetch/status/")
    assert "needs the App+User connection" in text(done)
    assert not Invoice.objects.exists()


def test_invoice_search_offers_fetch_for_an_exact_unmirrored_id(
    pc_user_connection, celery_worker, finance_client, unmirrored_invoice
):
    listing = words(
        finance_client.get("/billing/invoices/", {"q": unmirrored_invoice}, HTTP_HX_REQUEST="true")
    )
    assert f"Invoice {unmirrored_invoice} is not in the portal." in listing
    assert "Fetch from Partner Center" in listing
    # Not for a fragment of an id or a word.
    assert "Fetch from Partner Center" not in text(
        finance_client.get("/billing/invoices/", {"q": "open"})
    )
    answer = finance_client.post(f"/billing/invoices/{unmirrored_invoice}/fetch/")
    assert (
        answer.status_code == 302
        and answer["Location"] == f"/billing/invoices/{unmirrored_invoice}/"
    )
    done = follow_fetch(finance_client, f"/billing/invoices/{unmirrored_invoice}/fetch/status/")
    assert done.get("HX-Redirect") == f"/billing/invoices/{unmirrored_invoice}/", words(done)
    assert Invoice.objects.filter(invoice_id=unmirrored_invoice).exists()
    listing = text(finance_client.get("/billing/invoices/", {"q": unmirrored_invoice}))
    assert "Fetch from Partner Center" not in listing


def test_invoice_search_fetch_of_a_missing_id_shows_the_404(
    pc_user_connection, celery_worker, finance_client
):
    assert "Fetch from Partner Center" in text(
        finance_client.get("/billing/invoices/", {"q": MISSING})
    )
    finance_client.post(f"/billing/invoices/{MISSING}/fetch/")
    done = follow_fetch(finance_client, f"/billing/invoices/{MISSING}/fetch/status/")
    assert f"Partner Center has no invoice {MISSING} (request id " in text(done)


def test_invoice_page_and_fetch_button_ask_nothing_of_partner_center_in_the_request(
    pc_user_connection,
    finance_client,
    unmirrored_invoice,
    sandbox,
    django_capture_on_commit_callbacks,
):
    from billing.tasks import fetch_invoice

    calls = pc_calls(sandbox)
    with django_capture_on_commit_callbacks() as queued:
        page = finance_client.get(f"/billing/invoices/{unmirrored_invoice}/")
        again = finance_client.get(f"/billing/invoices/{unmirrored_invoice}/")
        finance_client.get("/billing/invoices/", {"q": unmirrored_invoice})
        finance_client.get(f"/billing/invoices/{unmirrored_invoice}/fetch/status/", **HTMX)
    assert "<progress" in text(page) and "<progress" in text(again)
    assert len(queued) == 1  # one fetch per object, however often the page is opened
    assert pc_calls(sandbox) == calls
    with django_capture_on_commit_callbacks() as queued:
        finance_client.post(f"/billing/invoices/{unmirrored_invoice}/fetch/")
    assert len(queued) == 0 and pc_calls(sandbox) == calls  # already queued: not twice
    fetch_invoice(unmirrored_invoice)  # what the worker runs
    assert pc_calls(sandbox) > calls
    done = finance_client.get(f"/billing/invoices/{unmirrored_invoice}/fetch/status/", **HTMX)
    assert done["HX-Redirect"] == f"/billing/invoices/{unmirrored_invoice}/"
