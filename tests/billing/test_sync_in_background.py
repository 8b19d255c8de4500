""" "Sync invoices" and "Refresh balance" answer at once: the web request records the intent and
queues a task (no Partner Center call on the request path); the page shows the progress bar from
the first response, polls it, and reloads with the result (or shows the error) when it ends."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing.models import AccountBalance, Invoice
from billing.tasks import balance_refresh_task, invoice_sync_task

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _pc_calls(sandbox) -> int:
    return sum(sandbox.stats()["calls_per_route"].values())


def test_sync_invoices_shows_progress_at_once_then_the_invoices(
    sandbox, finance_client, django_capture_on_commit_callbacks
):
    calls = _pc_calls(sandbox)
    with django_capture_on_commit_callbacks() as queued:
        response = finance_client.post(reverse("billing:sync"))
    assert response.status_code == 302
    assert _pc_calls(sandbox) == calls  # nothing asked of Partner Center inside the request
    assert len(queued) == 1 and not Invoice.objects.exists()

    page = finance_client.get(response["Location"]).content.decode()
    assert "<progress" in page  # the bar is there before the sync has run
    assert "/sync-status/invoices/?refresh=1" in page

    invoice_sync_task()  # what the worker runs
    done = finance_client.get("/sync-status/invoices/?refresh=1", **HTMX)
    assert done.headers.get("HX-Refresh") == "true"
    page = finance_client.get(reverse("billing:invoices")).content.decode()
    assert "<progress" not in page and "Last synced" in page
    assert Invoice.objects.exists()
    assert Invoice.objects.first().invoice_id in page


def test_second_click_while_syncing_queues_nothing(
    sandbox, finance_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        finance_client.post(reverse("billing:sync"))
        again = finance_client.post(reverse("billing:sync"), follow=True)
    assert len(queued) == 1
    assert "being synced already" in again.content.decode()


def test_refresh_balance_answers_at_once_and_shows_failure_clearly(
    sandbox, finance_client, django_capture_on_commit_callbacks
):
    calls = _pc_calls(sandbox)
    with django_capture_on_commit_callbacks() as queued:
        response = finance_client.post(reverse("billing:refresh"))
    assert response.status_code == 302 and len(queued) == 1
    assert _pc_calls(sandbox) == calls
    assert "<progress" in finance_client.get(reverse("billing:index")).content.decode()

    sandbox.add_fault("500", path="/v1/invoices/summary")
    balance_refresh_task()
    page = finance_client.get(reverse("billing:index")).content.decode()
    assert "<progress" not in page
    assert "Last attempt failed" in page and not AccountBalance.objects.exists()

    sandbox.clear_faults()
    finance_client.post(reverse("billing:refresh"))
    balance_refresh_task()
    assert AccountBalance.objects.exists()
