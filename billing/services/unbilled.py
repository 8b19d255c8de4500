"""Unbilled charges: the current period's one-time lines Partner Center has not invoiced yet.

Each currency's unbilled lines of a month are held by one ``Invoice`` row of type ``unbilled``
(id ``unbilled-USD-2026-11``): it is not a Partner Center invoice (never listed or synced as one)
but gives the lines everything an invoice's lines have: the resumable seek-paged import
(``billing.services.lines``: the stored continuation token is committed with each page), the
line pages and exports, and the reconciliation with the same classes (``reconciliation_run``).

The unbilled stream changes until the invoice closes, so a fresh read (after a finished one)
replaces the month's lines; an interrupted read resumes after its last committed page.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import UNBILLED, Invoice, InvoiceLineItem, LineImport, ReconciliationRun
from billing.services.lines import line_import_start
from portal.models import Customer
from portal.shared.errors import PortalError
from portal.shared.queue import enqueue_on_commit

TASK = "billing.tasks.import_unbilled_lines"


def month_start(when: datetime | None = None) -> datetime:
    when = (when or timezone.now()).astimezone(UTC)
    return when.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def unbilled_invoice_id(*, currency: str, month: datetime) -> str:
    return f"unbilled-{currency.upper()}-{month:%Y-%m}"


def unbilled_currencies() -> list[str]:
    """The currencies the portal's customers are billed in (each has its own unbilled stream)."""
    found = Customer.objects.exclude(currency="").values_list("currency", flat=True).distinct()
    return sorted({c.upper() for c in found})


def unbilled_invoice_get_or_create(*, currency: str, now: datetime | None = None) -> Invoice:
    """The row holding ``currency``'s unbilled lines of the current month."""
    currency = (currency or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise PortalError(
            _("Choose a three-letter currency code, such as USD."), code="bad_currency"
        )
    month = month_start(now)
    invoice, _created = Invoice.objects.get_or_create(
        invoice_id=unbilled_invoice_id(currency=currency, month=month),
        defaults={
            "invoice_type": UNBILLED,
            "currency": currency,
            "period_start": month,
            "details": [{"provider": "onetime", "type": "billinglineitems"}],
            "synced_at": timezone.now(),
        },
    )
    return invoice


def unbilled_import_start(
    *, currency: str, actor=None, queue: bool = True, now: datetime | None = None
) -> LineImport:
    """Read ``currency``'s unbilled one-time lines of the current period (queued).

    Steps: find the month's ``unbilled`` row; if its last read finished, drop the lines (and their
    reconciliation) so the new read replaces them; create or reuse the import (an interrupted one
    resumes from its stored continuation token) and queue ``import_unbilled_lines`` after commit.
    Raises ``PortalError`` for a bad currency or when the read is already running."""
    invoice = unbilled_invoice_get_or_create(currency=currency, now=now)
    with transaction.atomic():
        previous = (
            LineImport.objects.select_for_update()
            .filter(invoice=invoice, provider="onetime", line_item_type="billinglineitems")
            .first()
        )
        resumable = previous is not None and previous.state in (
            LineImport.State.QUEUED,
            LineImport.State.RUNNING,
            LineImport.State.FAILED,
        )
        if previous is not None and previous.state == LineImport.State.SUCCEEDED:
            InvoiceLineItem.objects.filter(invoice=invoice).delete()
            ReconciliationRun.objects.filter(invoice=invoice).delete()
        imp = line_import_start(invoice=invoice, actor=actor, restart=not resumable, queue=False)
        if queue:
            enqueue_on_commit(TASK, imp.pk)
    return imp


def unbilled_import_all(*, actor=None) -> list[LineImport]:
    """Beat: start the unbilled read of every currency the customers are billed in (a currency
    whose read is still running is left to finish)."""
    started = []
    for currency in unbilled_currencies():
        try:
            started.append(unbilled_import_start(currency=currency, actor=actor))
        except PortalError as exc:
            if exc.code != "import_running":
                raise
    return started


def unbilled_invoices():
    """The ``unbilled`` rows, newest month first."""
    return Invoice.objects.filter(invoice_type=UNBILLED).order_by("-period_start", "currency")
