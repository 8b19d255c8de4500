"""Account balance (app-only) and per-currency invoice summaries (App+User)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import AccountBalance, InvoiceSummary
from billing.services._common import dec
from partnercenter.errors import PartnerCenterError
from portal.partner_center.client import get_client
from portal.shared.errors import NeedsUserConnection, pc_error
from portal.shared.progress import sync_begin, sync_enqueue, sync_fail, sync_succeed

PROGRESS_KIND = "billing:balances"


@dataclass
class BalanceRefreshResult:
    balance: AccountBalance | None = None
    summaries: list[InvoiceSummary] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _split_by_type(summary) -> tuple:
    recurring = one_time = None
    for detail in summary.details or []:
        kind = str(detail.invoice_type or "").replace("_", "").lower()
        amount = dec(detail.summary.balance_amount) if detail.summary else None
        if kind == "recurring":
            recurring = amount
        elif kind == "onetime":
            one_time = amount
    return recurring, one_time


def _fields(summary, now) -> dict:
    recurring, one_time = _split_by_type(summary)
    return {
        "balance_amount": dec(summary.balance_amount) or Decimal(0),
        "recurring_balance": recurring,
        "one_time_balance": one_time,
        "last_payment_amount": dec(summary.last_payment_amount),
        "last_payment_date": summary.last_payment_date,
        "accounting_date": summary.accounting_date,
        "latest_invoice_date": summary.latest_invoice_date,
        "fetched_at": now,
        "raw": summary.raw or {},
    }


def balance_refresh_request() -> bool:
    """ "Refresh balance": queue ``balance_refresh`` (the page follows the ``billing:balances``
    progress). Returns False when a refresh runs already."""
    return sync_enqueue(kind=PROGRESS_KIND, task="billing.tasks.balance_refresh_task")


def balance_refresh(*, client=None) -> BalanceRefreshResult:
    """Fetch the account balance and the per-currency summaries and store them.

    Steps: (1) ``GET /invoices/summary`` (app-only) -> a new ``AccountBalance`` snapshot;
    (2) ``GET /invoices/summaries`` (App+User) -> upsert ``InvoiceSummary`` per currency, mark
    currencies no longer reported. A missing partner sign-in only skips step 2 (with a warning).
    Raises ``PortalError`` when Partner Center fails.
    """
    client = client or get_client()
    result = BalanceRefreshResult()
    sync_begin(kind=PROGRESS_KIND, message=_("Reading the balance"))
    try:
        balance = client.get_account_balance()
    except PartnerCenterError as exc:
        err = pc_error(exc, doing=_("reading the account balance"))
        sync_fail(kind=PROGRESS_KIND, error=str(err))
        raise err from exc
    now = timezone.now()
    result.balance = AccountBalance.objects.create(
        currency=(balance.currency_code or "").upper()[:3], **_fields(balance, now)
    )
    try:
        summaries = list(client.list_invoice_summaries())
    except PartnerCenterError as exc:
        err = pc_error(exc, doing=_("reading the invoice summaries per currency"))
        if not isinstance(err, NeedsUserConnection):
            sync_fail(kind=PROGRESS_KIND, error=str(err))
            raise err from exc
        result.warnings.append(str(err))
        sync_succeed(kind=PROGRESS_KIND, message=_("Balance refreshed; summaries need sign-in"))
        return result
    with transaction.atomic():
        seen = []
        for summary in summaries:
            currency = (summary.currency_code or "").upper()[:3]
            if not currency:
                continue
            row, _created = InvoiceSummary.objects.update_or_create(
                currency=currency, defaults={**_fields(summary, now), "is_current": True}
            )
            seen.append(currency)
            result.summaries.append(row)
        InvoiceSummary.objects.exclude(currency__in=seen).update(is_current=False)
    sync_succeed(kind=PROGRESS_KIND, message=f"{len(seen)} currencies")
    return result
