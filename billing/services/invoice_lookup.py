"""Invoices named by their Partner Center id: the mirror, else ``GET /invoices/{id}`` (App+User)
and mirrored (see ``portal.shared.mirror`` for the rule and its errors)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import selectors
from billing.models import Invoice, LineImport
from billing.services.invoices import _flatten, _upsert
from portal.partner_center.client import get_client
from portal.shared.audit import audit_record
from portal.shared.errors import PortalError
from portal.shared.mirror import Found, Implied, fetch_enqueue, mirror_get, pc_read
from portal.shared.queue import actor_pk


def invoice_get_or_fetch(*, invoice_id: str, actor=None) -> Found[Invoice]:
    """The mirrored invoice, else read by id from Partner Center and mirrored.

    Raises ``PortalError`` for a malformed id, ``NotInPartnerCenter`` on Partner Center's 404,
    ``NeedsUserConnection`` without the App+User sign-in, ``PartnerCenterUnavailable`` otherwise.
    """
    invoice_id = (invoice_id or "").strip()
    if not selectors.looks_like_invoice_id(invoice_id):
        raise PortalError(
            _("%(value)s is not a Partner Center invoice id (like G000024135).")
            % {"value": repr(invoice_id[:80])},
            code="bad_id",
        )
    return mirror_get(
        find=lambda: selectors.get_invoice(invoice_id),
        fetch=lambda: invoice_fetch(invoice_id=invoice_id, actor=actor),
    )


def invoice_fetch(*, invoice_id: str, actor=None) -> Invoice:
    """Read one invoice (and its amendments) by id and upsert it."""
    pc = pc_read(
        what="invoice", object_id=invoice_id, call=lambda: get_client().get_invoice(invoice_id)
    )
    now = timezone.now()
    with transaction.atomic():
        rows = [_upsert(document, now)[0] for document in _flatten([pc]) if document.id]
        invoice = selectors.get_invoice(invoice_id) or rows[0]
        audit_record(
            actor=actor,
            action="invoice.fetched",
            obj=invoice,
            summary=f"Read invoice {invoice.invoice_id} from Partner Center by id",
            invoice_id=invoice.invoice_id,
        )
    return invoice


def invoice_implied(invoice: Invoice) -> list[Implied]:
    """What the mirror lacks around an invoice: its line items, until an import was started."""
    if LineImport.objects.filter(invoice=invoice).exists() or invoice.lines.exists():
        return []
    return [
        Implied(
            text=_("The line items of invoice %(id)s are not in the portal yet.")
            % {"id": invoice.invoice_id},
            action="import_lines",
        )
    ]


def invoice_fetch_enqueue(*, invoice_id: str, actor, again: bool = False):
    """Queue the background read of an unmirrored invoice (pages); returns its ``SyncState``."""
    actor_id = actor_pk(actor)
    return fetch_enqueue(
        what="invoice",
        object_id=invoice_id,
        task="billing.tasks.fetch_invoice",
        args=(invoice_id, actor_id),
        again=again,
    )
