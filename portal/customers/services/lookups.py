"""Customers and Azure subscriptions named by their Partner Center id: the mirror, else Partner
Center (see ``portal.shared.mirror`` for the rule and its errors)."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.customers.services.sync import (
    _customer_fields,
    subscription_sync_customer,
    subscriptions_kind,
)
from portal.models import AzureSubscription, Customer
from portal.partner_center.client import get_client
from portal.shared.audit import audit_record
from portal.shared.errors import NotInPartnerCenter, PartnerCenterUnavailable, PortalError
from portal.shared.mirror import Found, Implied, fetch_enqueue, mirror_get, object_name, pc_read
from portal.shared.progress import sync_state
from portal.shared.queue import actor_pk


def parse_guid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise PortalError(
            _("%(value)s is not a %(what)s id (a GUID).")
            % {"value": repr(str(value)[:80]), "what": object_name(what)},
            code="bad_id",
        ) from None


def customer_get_or_fetch(*, tenant_id: str, actor=None) -> Found[Customer]:
    """The mirrored customer, else read by id from Partner Center (App) and mirrored."""
    tid = parse_guid(tenant_id, "Partner Center customer")
    return mirror_get(
        find=lambda: Customer.objects.filter(tenant_id=tid).first(),
        fetch=lambda: customer_fetch(tenant_id=tid, actor=actor),
    )


def customer_fetch(*, tenant_id: uuid.UUID, actor=None) -> Customer:
    """Read one customer by id and upsert it. Raises the errors of ``portal.shared.mirror.pc_read``."""
    pc = pc_read(
        what="customer",
        object_id=str(tenant_id),
        call=lambda: get_client().get_customer(str(tenant_id)),
    )
    fields = _customer_fields(pc)
    with transaction.atomic():
        customer, _created = Customer.objects.update_or_create(
            tenant_id=tenant_id, defaults={**fields, "synced_at": timezone.now(), "is_active": True}
        )
        audit_record(
            actor=actor,
            action="customer.fetched",
            obj=customer,
            customer=customer,
            summary=f"Read customer {customer.company_name} from Partner Center by id",
            tenant_id=str(tenant_id),
        )
    return customer


def customer_fetch_enqueue(*, tenant_id: str, actor, again: bool = False):
    """Queue the background read of an unmirrored customer (pages); returns its ``SyncState``."""
    actor_id = actor_pk(actor)
    return fetch_enqueue(
        what="customer",
        object_id=tenant_id,
        task="portal.tasks.fetch_customer",
        args=(tenant_id, actor_id),
        again=again,
    )


def customer_implied(customer: Customer) -> list[Implied]:
    """What the mirror lacks around a customer: its subscriptions, until they were read once."""
    state = sync_state(subscriptions_kind(customer))
    if customer.subscriptions.exists() or (state and state.last_success_at):
        return []
    return [
        Implied(
            text=_("Its Azure subscriptions are not in the portal yet."),
            action="sync_subscriptions",
        )
    ]


def _owners(customer_tenant_id: str | None, actor) -> list[Customer]:
    if customer_tenant_id:
        return [customer_get_or_fetch(tenant_id=customer_tenant_id, actor=actor).obj]
    return list(Customer.objects.filter(is_active=True).order_by("company_name"))


def owner_phrase(owners: list[Customer]) -> str:
    """`` for customer Contoso Ltd`` / `` under any of the 6 customers in the portal``."""
    if len(owners) == 1:
        return " " + _("for customer %(name)s") % {"name": owners[0].company_name}
    return " " + ngettext(
        "under any of the %(n)d customers in the portal",
        "under any of the %(n)d customers in the portal",
        len(owners),
    ) % {"n": len(owners)}


def subscription_get_or_fetch(
    *, subscription_id: str, customer_tenant_id: str | None = None, actor=None
) -> Found[AzureSubscription]:
    """The mirrored subscription, else found by id in Partner Center and mirrored.

    Partner Center reads a subscription under its customer, so the fetch asks for it under
    ``customer_tenant_id`` (itself looked up by the same rule) or else under each mirrored
    customer in turn; the owner's subscriptions are then mirrored (registration state included).
    """
    sid = parse_guid(subscription_id, "subscription")

    def find():
        return AzureSubscription.objects.select_related("customer").filter(subscription_id=sid)

    def fetch() -> AzureSubscription:
        owners = _owners(customer_tenant_id, actor)
        if not owners:
            raise PortalError(
                _(
                    "No customers in the portal to look for subscription %(id)s under: read the "
                    "customers from Partner Center first, or name the subscription's customer."
                )
                % {"id": sid},
                code="no_customers",
            )
        client = get_client()
        last: NotInPartnerCenter | None = None
        for owner in owners:
            try:
                pc_read(
                    what="subscription",
                    object_id=str(sid),
                    call=lambda o=owner: client.get_subscription(str(o.tenant_id), str(sid)),
                )
            except NotInPartnerCenter as exc:
                last = exc
                continue
            subscription_sync_customer(customer=owner, actor=actor)
            found = find().first()
            if found is None:
                raise PartnerCenterUnavailable(
                    _(
                        "Partner Center returned subscription %(id)s by id but not in the list "
                        "of %(customer)s's subscriptions; try again later."
                    )
                    % {"id": sid, "customer": owner.company_name}
                )
            return found
        ids = (
            " " + _("(request id %(id)s)") % {"id": last.details["request_id"]}
            if last.details.get("request_id")
            else ""
        )
        raise NotInPartnerCenter(
            _("Partner Center has no subscription %(id)s%(owners)s%(ids)s.")
            % {"id": sid, "owners": owner_phrase(owners), "ids": ids}
        )

    return mirror_get(find=lambda: find().first(), fetch=fetch)
