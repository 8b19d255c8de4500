"""The invoice mirror: ``GET /invoices`` upserted by Partner Center id; gone ones are marked."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import UNBILLED, Invoice
from billing.services._common import dec, norm_line_type, norm_provider
from billing.services.statements import statement_request
from partnercenter.errors import PartnerCenterError
from portal.partner_center.client import get_client
from portal.shared.errors import pc_error
from portal.shared.mirror_fit import RecordDoesNotFit, skipped
from portal.shared.progress import sync_begin, sync_enqueue, sync_fail, sync_progress, sync_succeed
from portal.shared.sync_counts import SyncCounts

PROGRESS_KIND = "invoices"


@dataclass(kw_only=True)
class InvoiceSyncResult(SyncCounts):
    new_ids: list[str] = field(default_factory=list)  # their statements are queued


def _details(invoice) -> list[dict]:
    out = []
    for detail in invoice.invoice_details or []:
        provider = norm_provider(detail.billing_provider)
        line_type = norm_line_type(detail.invoice_line_item_type)
        if provider and provider != "none" and {"provider": provider, "type": line_type} not in out:
            out.append({"provider": provider, "type": line_type})
    # One-time first: that is what the portal reconciles.
    out.sort(key=lambda d: (d["provider"] != "onetime", d["provider"], d["type"]))
    return out


def _fields(invoice, now) -> dict:
    return {
        "invoice_date": invoice.invoice_date,
        "period_start": invoice.billing_period_start_date,
        "period_end": invoice.billing_period_end_date,
        "total_charges": dec(invoice.total_charges) or Decimal(0),
        "paid_amount": dec(invoice.paid_amount) or Decimal(0),
        "currency": (invoice.currency_code or "").upper()[:3],
        "invoice_type": str(invoice.invoice_type or "").replace("_", "").lower(),
        "document_type": str(invoice.document_type or ""),
        "amends_of": invoice.amends_of or "",
        "details": _details(invoice),
        "pdf_download_link": invoice.pdf_download_link or "",
        "raw": invoice.raw or {},
        "synced_at": now,
        "is_active": True,
    }


def _flatten(invoices):
    """Invoices and their amendments (credit / adjustment documents) as separate documents."""
    for invoice in invoices:
        yield invoice
        for amendment in invoice.amendments or []:
            if amendment.id:
                yield amendment


def _upsert(invoice, now) -> tuple[Invoice, bool]:
    return Invoice.objects.update_or_create(invoice_id=invoice.id, defaults=_fields(invoice, now))


def invoice_sync_request() -> bool:
    """ "Sync invoices": queue ``invoice_sync_all`` (the page follows the ``invoices`` progress).
    Returns False when a sync runs already."""
    return sync_enqueue(kind=PROGRESS_KIND, task="billing.tasks.invoice_sync_task")


def invoice_sync_all(*, client=None, queue_statements: bool = True) -> InvoiceSyncResult:
    """Mirror the invoice collection.

    Steps: read every page of ``GET /invoices`` (no transaction open meanwhile), upsert each
    invoice and amendment in one transaction, mark invoices no longer listed ``is_active=False``,
    and queue the statement PDF download of new invoices (after commit).
    Raises ``PortalError`` when Partner Center fails (nothing is written then).
    """
    client = client or get_client()
    sync_begin(kind=PROGRESS_KIND, message=_("Reading invoices"))
    try:
        fetched = list(_flatten(client.list_invoices()))
    except PartnerCenterError as exc:
        err = pc_error(exc, doing=_("listing the invoices"))
        sync_fail(kind=PROGRESS_KIND, error=str(err))
        raise err from exc
    result = InvoiceSyncResult()
    now = timezone.now()
    with transaction.atomic():
        for n, invoice in enumerate(fetched, 1):
            if not invoice.id:
                continue
            try:
                with transaction.atomic():  # one record that does not fit is skipped alone
                    row, created = _upsert(invoice, now)
            except RecordDoesNotFit as exc:
                result.skipped.append(skipped(f"invoice {invoice.id}", exc))
                continue
            if created:
                result.created += 1
                result.new_ids.append(row.invoice_id)
            else:
                result.updated += 1
            if n % 50 == 0:
                sync_progress(kind=PROGRESS_KIND, done=n, total=len(fetched))
        seen = [i.id for i in fetched if i.id]
        result.gone = (
            Invoice.objects.filter(is_active=True)
            .exclude(invoice_type=UNBILLED)
            .exclude(invoice_id__in=seen)
            .update(is_active=False)
        )
        if queue_statements and result.new_ids:
            for invoice in Invoice.objects.filter(invoice_id__in=result.new_ids):
                statement_request(invoice=invoice, actor=None)
    sync_succeed(kind=PROGRESS_KIND, message=str(result))
    return result


def invoice_refresh(*, invoice: Invoice, client=None) -> Invoice:
    """Re-read one invoice by id (App+User) — fresh totals and PDF link."""
    client = client or get_client()
    try:
        fetched = client.get_invoice(invoice.invoice_id)
    except PartnerCenterError as exc:
        raise pc_error(exc, doing=_("reading invoice %(id)s") % {"id": invoice.invoice_id}) from exc
    row, _created = _upsert(fetched, timezone.now())
    return row
