"""Billing tasks: ids in, a service call, safe to run twice (each service claims its work)."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.utils.translation import ngettext

from billing.models import StatementPdf
from billing.services.balances import balance_refresh
from billing.services.charge_statements import statement_generate_month
from billing.services.invoice_lookup import invoice_get_or_fetch
from billing.services.invoices import invoice_sync_all
from billing.services.lines import line_import_run
from billing.services.reconciliation import reconciliation_run
from billing.services.statements import (
    StatementPermanentError,
    StatementTransientError,
    max_attempts,
    retry_delay,
    statement_download_attempt,
    statement_mark_failed,
    statement_mark_retrying,
)
from billing.services.unbilled import unbilled_import_all
from portal.shared.errors import PortalError
from portal.shared.mirror import fetch_in_background
from portal.shared.queue import task_actor

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def sync_invoices() -> None:
    """Beat: mirror the invoice collection and refresh the balance (new invoices get PDFs)."""
    try:
        invoice_sync_all()
        balance_refresh()
    except PortalError as exc:  # recorded in SyncState; beat tries again next time
        logger.warning("billing sync failed: %s", exc)


@shared_task(ignore_result=True)
def invoice_sync_task() -> None:
    """ "Sync invoices" on a page (progress and errors in the ``invoices`` SyncState)."""
    try:
        invoice_sync_all()
    except PortalError as exc:  # recorded in SyncState; the page shows it
        logger.warning("invoice sync failed: %s", exc)


@shared_task(ignore_result=True)
def balance_refresh_task() -> None:
    """ "Refresh balance" on a page (progress and errors in the ``billing:balances`` SyncState)."""
    try:
        balance_refresh()
    except PortalError as exc:  # recorded in SyncState; the page shows it
        logger.warning("balance refresh failed: %s", exc)


@shared_task(ignore_result=True)
def import_invoice_lines(import_id: int) -> None:
    try:
        line_import_run(import_id=import_id)
    except PortalError as exc:  # state/reason stored on the LineImport row
        logger.warning("line import %s failed: %s", import_id, exc)


@shared_task(ignore_result=True)
def import_unbilled_lines(import_id: int) -> None:
    """Read (or resume reading) a currency's unbilled lines, then reconcile them."""
    try:
        imp = line_import_run(import_id=import_id)
        if imp.rows_done:
            reconciliation_run(invoice=imp.invoice)
    except PortalError as exc:  # state/reason stored on the LineImport row
        logger.warning("unbilled import %s failed: %s", import_id, exc)


@shared_task(ignore_result=True)
def unbilled_import_beat() -> None:
    """Beat: read every currency's unbilled one-time lines of the current period."""
    try:
        unbilled_import_all()
    except PortalError as exc:
        logger.warning("unbilled import failed to start: %s", exc)


@shared_task(ignore_result=True)
def generate_statements(month: str, actor_id: int | None = None) -> None:
    """Build every customer's draft charge statement of ``month`` (ISO date of its first day);
    progress and errors in the ``billing:statements:YYYY-MM`` SyncState."""
    statement_generate_month(month=date.fromisoformat(month), actor=task_actor(actor_id))


@shared_task(bind=True, ignore_result=True, max_retries=None)
def download_statement(self, statement_id: int) -> None:
    """One attempt per run; transient failures come back with exponential backoff until
    ``BILLING_STATEMENT_MAX_ATTEMPTS``, after which the statement shows failed with the reason."""
    try:
        statement_download_attempt(statement_id=statement_id)
    except StatementPermanentError as exc:
        statement_mark_failed(statement_id=statement_id, error=str(exc))
    except StatementTransientError as exc:
        attempts = StatementPdf.objects.filter(pk=statement_id).values_list("attempts", flat=True)
        attempt = attempts.first() or 0
        if attempt >= max_attempts():
            statement_mark_failed(
                statement_id=statement_id,
                error=ngettext(
                    "Gave up after %(n)d attempt. Last error: %(error)s",
                    "Gave up after %(n)d attempts. Last error: %(error)s",
                    attempt,
                )
                % {"n": attempt, "error": exc},
            )
            return
        delay = retry_delay(attempt)
        statement_mark_retrying(statement_id=statement_id, error=str(exc), delay=delay)
        raise self.retry(countdown=delay, exc=exc) from exc


@shared_task(ignore_result=True)
def fetch_invoice(invoice_id: str, actor_id: int | None = None) -> None:
    """Read an invoice that is not mirrored yet by id (the page shows the outcome); idempotent."""
    fetch_in_background(
        what="invoice",
        object_id=invoice_id,
        fetch=lambda: invoice_get_or_fetch(invoice_id=invoice_id, actor=task_actor(actor_id)),
    )
