"""Orders named by their Partner Center id: the mirror, else ``GET /customers/{c}/orders/{id}``
and mirrored (see ``portal.shared.mirror`` for the rule and its errors).

Partner Center reads an order under its customer: the fetch asks under the given customer (looked
up by the same rule, so an unmirrored customer is read too) or else under each mirrored customer.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.customers.services.lookups import customer_get_or_fetch, owner_phrase
from portal.models import Customer
from portal.partner_center.client import get_client
from portal.shared.audit import audit_record
from portal.shared.errors import NotInPartnerCenter, PortalError
from portal.shared.mirror import Found, fetch_enqueue, mirror_get, pc_read
from portal.shared.queue import actor_pk
from purchasing import selectors
from purchasing.models import Order
from purchasing.services.orders import order_record

CUSTOMER_HINT = gettext_lazy(
    "If it belongs to a customer the portal has not mirrored yet, give that customer's "
    "Partner Center id."
)


def order_get_or_fetch(
    *, pc_order_id: str, customer_tenant_id: str | None = None, actor=None
) -> Found[Order]:
    """The mirrored order, else read by id from Partner Center (App) and recorded as external."""
    pc_order_id = (pc_order_id or "").strip()
    if not selectors.looks_like_order_id(pc_order_id):
        raise PortalError(
            _("%(value)s is not a Partner Center order id.") % {"value": repr(pc_order_id[:80])},
            code="bad_id",
        )
    return mirror_get(
        find=lambda: (
            Order.objects.select_related("customer").filter(pc_order_id=pc_order_id).first()
        ),
        fetch=lambda: order_fetch(
            pc_order_id=pc_order_id, customer_tenant_id=customer_tenant_id, actor=actor
        ),
    )


def order_fetch(*, pc_order_id: str, customer_tenant_id: str | None = None, actor=None) -> Order:
    if customer_tenant_id:
        owners = [customer_get_or_fetch(tenant_id=customer_tenant_id, actor=actor).obj]
    else:
        owners = list(Customer.objects.filter(is_active=True).order_by("company_name"))
    if not owners:
        raise PortalError(
            _("No customers in the portal to look for order %(order)s under. %(hint)s")
            % {"order": pc_order_id, "hint": CUSTOMER_HINT},
            code="no_customers",
        )
    client = get_client()
    last: NotInPartnerCenter | None = None
    for owner in owners:
        try:
            pc_order = pc_read(
                what="order",
                object_id=pc_order_id,
                call=lambda o=owner: client.get_order(str(o.tenant_id), pc_order_id),
            )
        except NotInPartnerCenter as exc:
            last = exc
            continue
        with transaction.atomic():
            order, created = order_record(
                customer=owner, pc_order=pc_order, source=Order.Source.EXTERNAL
            )
            if created:
                audit_record(
                    actor=actor,
                    action="order.fetched",
                    obj=order,
                    customer=owner,
                    summary=f"Read order {pc_order_id} from Partner Center by id",
                    pc_order_id=pc_order_id,
                )
        return order
    ids = (
        " " + _("(request id %(id)s)") % {"id": last.details["request_id"]}
        if last and last.details.get("request_id")
        else ""
    )
    hint = "" if customer_tenant_id else f" {CUSTOMER_HINT}"
    raise NotInPartnerCenter(
        _("Partner Center has no order %(order)s%(owners)s%(ids)s.%(hint)s")
        % {"order": pc_order_id, "owners": owner_phrase(owners), "ids": ids, "hint": hint}
    )


def order_fetch_enqueue(
    *, pc_order_id: str, actor, customer_tenant_id: str | None = None, again: bool = False
):
    """Queue the background read of an unmirrored order (pages); returns its ``SyncState``."""
    actor_id = actor_pk(actor)
    return fetch_enqueue(
        what="order",
        object_id=pc_order_id,
        task="purchasing.tasks.fetch_order",
        args=(pc_order_id, customer_tenant_id, actor_id),
        again=again,
    )
