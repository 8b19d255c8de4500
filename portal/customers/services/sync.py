"""Mirror Partner Center customers and their Azure subscriptions into the portal.

Rows are upserted by Partner Center id; rows gone from Partner Center are marked inactive, never
deleted (orders, carts and audit events keep pointing at them).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnercenter.errors import InvalidResponse, PartnerCenterError
from portal.models import AzureSubscription, Customer
from portal.partner_center.client import get_client
from portal.shared.audit import audit_record
from portal.shared.errors import PartnerCenterUnavailable, PortalError, pc_error_message
from portal.shared.mirror_fit import RecordDoesNotFit, fit_all, skipped
from portal.shared.progress import sync_begin, sync_fail, sync_progress, sync_state, sync_succeed
from portal.shared.queue import actor_pk, enqueue_on_commit
from portal.shared.sync_counts import SyncCounts

logger = logging.getLogger(__name__)

CUSTOMERS_KIND = "customers"

# Billing currency of the CSP markets the portal sells in (Partner Center's customer resource has none).
MARKET_CURRENCY = {
    "US": "USD", "CA": "CAD", "TW": "TWD", "BR": "BRL", "GB": "GBP", "DE": "EUR", "FR": "EUR",
    "NL": "EUR", "IE": "EUR", "ES": "EUR", "IT": "EUR", "AT": "EUR", "BE": "EUR", "FI": "EUR",
    "PT": "EUR", "CH": "CHF", "JP": "JPY", "AU": "AUD", "NZ": "NZD", "IN": "INR", "SE": "SEK",
    "NO": "NOK", "DK": "DKK", "MX": "MXN",
}  # fmt: skip

# Offers whose subscriptions can be registered for Azure reservations (partner-center.md §2): the
# legacy CSP Azure offer MS-AZR-0145P and the Azure plan product (new commerce).
AZURE_OFFER_PREFIXES = ("MS-AZR-0145P", "DZH318Z0BPS6")


@dataclass(kw_only=True)
class SyncResult(SyncCounts):
    """Customers or subscriptions; ``gone`` ones were marked inactive."""

    reactivated: int = 0

    @property
    def seen(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self, noun: str = "") -> str:
        """E.g. "12 customers in Partner Center: 2 new, 1 changed, 0 marked inactive";
        ``noun`` is the translated plural ("customers", "subscriptions")."""
        lead = _(
            "%(seen)s %(noun)s in Partner Center: %(created)s new, %(updated)s changed, "
            "%(deactivated)s marked inactive"
        ) % {
            "seen": self.seen,
            "noun": noun,
            "created": self.created,
            "updated": self.updated,
            "deactivated": self.gone,
        }
        return lead + self.skipped_text()


def _pc_uuid(value, what: str) -> uuid.UUID:
    """The GUID id of a Partner Center record; a malformed one is an invalid response (nothing is
    written from a list that holds it)."""
    try:
        return uuid.UUID(str(value)) if isinstance(value, str) else uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        raise InvalidResponse(
            f"Partner Center returned {what} without a valid id ({str(value)[:40]!r})"
        ) from None


def _customer_fields(pc) -> dict:
    profile = pc.company_profile
    billing = pc.billing_profile
    address = billing.default_address if billing else None
    country = ((address.country if address else None) or "").upper()[:2]
    domain = (profile.domain if profile else None) or (
        pc.custom_domains[0] if pc.custom_domains else ""
    )
    name = (profile.company_name if profile else None) or (
        billing.company_name if billing else None
    )
    return {
        "company_name": (name or domain or pc.id),
        "domain": (domain or ""),
        "country": country,
        "currency": MARKET_CURRENCY.get(country, ""),
        "raw": pc.raw,
    }


def customer_sync_all(*, actor=None) -> SyncResult:
    """Mirror every Partner Center customer; customers no longer listed become inactive."""
    client = get_client()
    sync_begin(kind=CUSTOMERS_KIND, message=_("Reading customers from Partner Center"))
    fetched = _read_customers(client, actor)
    total = len(fetched)
    sync_progress(kind=CUSTOMERS_KIND, done=0, total=total, message=_("Saving customers"))
    result = SyncResult()
    now = timezone.now()
    existing = {c.tenant_id: c for c in Customer.objects.all()}
    to_create, to_update = [], []
    compare = ("company_name", "domain", "country", "currency", "raw")
    for tenant_id, fields in fetched.items():
        current = existing.get(tenant_id)
        if current is None:
            to_create.append(Customer(tenant_id=tenant_id, synced_at=now, is_active=True, **fields))
            result.created += 1
            continue
        if not fields["currency"]:
            fields["currency"] = current.currency
        changed = any(getattr(current, k) != v for k, v in fields.items() if k in compare)
        if not current.is_active:
            result.reactivated += 1
            changed = True
        for key, value in fields.items():
            setattr(current, key, value)
        current.is_active = True
        current.synced_at = now
        to_update.append(current)
        if changed:
            result.updated += 1
        else:
            result.unchanged += 1
    to_create, problems = fit_all(to_create, what="a customer")
    to_update, more = fit_all(to_update, what="a customer")
    result.skipped = problems + more
    with transaction.atomic():
        Customer.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            for customer in to_update:
                customer.updated_at = now
            Customer.objects.bulk_update(
                to_update, [*compare, "is_active", "synced_at", "updated_at"], batch_size=500
            )
        vanished = Customer.objects.filter(is_active=True).exclude(tenant_id__in=list(fetched))
        result.gone = vanished.update(is_active=False, updated_at=now)
    sync_progress(kind=CUSTOMERS_KIND, done=total, total=total)
    summary = result.summary(_("customers"))
    sync_succeed(kind=CUSTOMERS_KIND, message=summary)
    if result.created or result.updated or result.gone:
        audit_record(
            actor=actor,
            action="customers.synced",
            summary=summary,
            created=result.created,
            updated=result.updated,
            deactivated=result.gone,
        )
    return result


def _read_customers(client, actor) -> dict[uuid.UUID, dict]:
    """Every Partner Center customer's fields by tenant id; a failed or unreadable list is recorded
    and raised as ``PartnerCenterUnavailable`` (nothing changed)."""
    fetched: dict[uuid.UUID, dict] = {}
    try:
        for pc in client.list_customers():
            fetched[_pc_uuid(pc.id, "a customer")] = _customer_fields(pc)
            if len(fetched) % 50 == 0:
                read = ngettext("Read %(n)d customer", "Read %(n)d customers", len(fetched))
                sync_progress(
                    kind=CUSTOMERS_KIND, done=len(fetched), message=read % {"n": len(fetched)}
                )
    except PartnerCenterError as exc:
        message = pc_error_message(exc, _("reading customers"))
        sync_fail(kind=CUSTOMERS_KIND, error=message)
        audit_record(
            actor=actor, action="customers.sync_failed", summary=message[:255], error=message
        )
        raise PartnerCenterUnavailable(message) from exc
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        # A record the client could not make sense of (fields of the wrong type or missing).
        logger.exception("Unreadable customer record from Partner Center")
        message = _(
            "Partner Center returned a customer record the portal cannot read "
            "(%(error)s); nothing was changed."
        ) % {"error": f"{type(exc).__name__}: {str(exc)[:120]}"}
        sync_fail(kind=CUSTOMERS_KIND, error=message)
        audit_record(
            actor=actor, action="customers.sync_failed", summary=message[:255], error=message
        )
        raise PartnerCenterUnavailable(message) from exc
    except Exception as exc:
        sync_fail(kind=CUSTOMERS_KIND, error=_("Customer sync failed: %(error)s") % {"error": exc})
        raise
    return fetched


def is_reservation_eligible(*, offer_id: str, status: str) -> bool:
    offer = (offer_id or "").upper()
    return status.lower() == "active" and offer.startswith(AZURE_OFFER_PREFIXES)


def _subscription_fields(pc) -> dict:
    status = str(pc.status or "")
    offer_id = pc.offer_id or ""
    return {
        "offer_id": offer_id,
        "offer_name": (pc.offer_name or ""),
        "friendly_name": (pc.friendly_name or pc.offer_name or ""),
        "status": status,
        "billing_type": str(pc.billing_type or ""),
        "is_reservation_eligible": is_reservation_eligible(offer_id=offer_id, status=status),
        "raw": pc.raw,
    }


def subscription_sync_customer(*, customer: Customer, actor=None) -> SyncResult:
    """Mirror one customer's subscriptions; eligible ones get their registration state refreshed."""
    client = get_client()
    kind = subscriptions_kind(customer)
    doing = _("reading the subscriptions of %(name)s") % {"name": customer.company_name}
    sync_begin(
        kind=kind,
        message=_("Reading the subscriptions of %(name)s") % {"name": customer.company_name},
    )
    try:
        pcs = list(client.list_subscriptions(str(customer.tenant_id)))
        for pc in pcs:
            _pc_uuid(pc.id, "a subscription")
    except PartnerCenterError as exc:
        message = pc_error_message(exc, doing)
        sync_fail(kind=kind, error=message)
        raise PartnerCenterUnavailable(message) from exc
    states: dict[str, str] = {}
    for pc in pcs:
        fields = _subscription_fields(pc)
        if fields["is_reservation_eligible"] or fields["offer_id"].upper().startswith(
            AZURE_OFFER_PREFIXES
        ):
            try:
                status = client.get_registration_status(str(customer.tenant_id), pc.id)
                states[pc.id.lower()] = _map_registration_state(status.status)
            except PartnerCenterError as exc:
                logger.warning("Registration status of %s unavailable: %s", pc.id, exc)
                states[pc.id.lower()] = AzureSubscription.RegistrationState.UNKNOWN
    result = SyncResult()
    now = timezone.now()
    seen = []
    with transaction.atomic():
        existing = {
            s.subscription_id: s for s in AzureSubscription.objects.filter(customer=customer)
        }
        for pc in pcs:
            sid = uuid.UUID(pc.id)
            seen.append(sid)
            try:
                with transaction.atomic():  # one record that does not fit is skipped alone
                    _subscription_save(customer, pc, sid, existing, states, now, result)
            except RecordDoesNotFit as exc:
                result.skipped.append(skipped(f"subscription {sid}", exc))
        result.gone = (
            AzureSubscription.objects.filter(customer=customer, is_active=True)
            .exclude(subscription_id__in=seen)
            .update(is_active=False, is_reservation_eligible=False)
        )
    sync_succeed(kind=kind, message=result.summary(_("subscriptions")))
    return result


def subscription_sync_all(*, customer_tenant_id: str | None = None, actor=None, echo=None) -> dict:
    """Mirror the subscriptions of one customer (by Partner Center id) or of every active customer."""
    if customer_tenant_id:
        try:
            tenant = uuid.UUID(str(customer_tenant_id))
        except ValueError as exc:
            raise PortalError(
                _("%(id)r is not a Partner Center customer id (a GUID).")
                % {"id": customer_tenant_id}
            ) from exc
        customers = list(Customer.objects.filter(tenant_id=tenant))
        if not customers:
            raise PortalError(
                _("No customer with id %(id)s in the portal; sync the customers first.")
                % {"id": customer_tenant_id}
            )
    else:
        customers = list(Customer.objects.filter(is_active=True).order_by("company_name"))
    totals = SyncResult()
    failures = []
    for index, customer in enumerate(customers, start=1):
        try:
            r = subscription_sync_customer(customer=customer, actor=actor)
        except PartnerCenterUnavailable as exc:
            failures.append(str(exc))
            if echo:
                echo(
                    f"[{index}/{len(customers)}] {customer.company_name}: "
                    + _("FAILED %(error)s") % {"error": exc}
                )
            continue
        totals += r
        if echo:
            echo(
                f"[{index}/{len(customers)}] {customer.company_name}: "
                + r.summary(_("subscriptions"))
            )
    return {"result": totals, "customers": len(customers), "failures": failures}


def _map_registration_state(value) -> str:
    text = str(value or "").replace("_", "").lower()
    return {
        "registered": AzureSubscription.RegistrationState.REGISTERED,
        "registering": AzureSubscription.RegistrationState.REGISTERING,
        "notregistered": AzureSubscription.RegistrationState.NOT_REGISTERED,
    }.get(text, AzureSubscription.RegistrationState.UNKNOWN)


def subscriptions_kind(customer: Customer) -> str:
    return f"subscriptions:{customer.tenant_id}"


def customer_sync_enqueue(*, actor) -> None:
    """ "Sync now": mark the job running (the progress bar shows at once) and queue it."""
    state = sync_state(CUSTOMERS_KIND)
    if (
        state
        and state.running
        and state.heartbeat_at
        and (timezone.now() - state.heartbeat_at).total_seconds() < 120
    ):
        return  # already running: one sync at a time
    sync_begin(kind=CUSTOMERS_KIND, message=_("Queued"))
    actor_id = actor_pk(actor)
    enqueue_on_commit("portal.tasks.sync_customers", actor_id)


def subscription_sync_enqueue(*, customer: Customer, actor) -> None:
    sync_begin(kind=subscriptions_kind(customer), message=_("Queued"))
    actor_id = actor_pk(actor)
    tenant = str(customer.tenant_id)
    enqueue_on_commit("portal.tasks.sync_subscriptions", tenant, actor_id)


def _subscription_save(customer, pc, sid, existing, states, now, result) -> None:
    """Create or update one mirrored subscription (raises ``RecordDoesNotFit``)."""
    fields = _subscription_fields(pc)
    state = states.get(pc.id.lower())
    current = existing.get(sid)
    if current is None:
        current = AzureSubscription.objects.filter(subscription_id=sid).first()
    if state:
        fields["registration_state"] = state
    if current is None:
        AzureSubscription.objects.create(
            customer=customer, subscription_id=sid, synced_at=now, is_active=True, **fields
        )
        result.created += 1
        return
    if (
        current.registration_state == AzureSubscription.RegistrationState.REGISTERING
        and fields.get("registration_state") == AzureSubscription.RegistrationState.NOT_REGISTERED
    ):
        fields.pop("registration_state")  # our request is in flight; the poller decides
    changed = not current.is_active or any(getattr(current, k) != v for k, v in fields.items())
    for key, value in fields.items():
        setattr(current, key, value)
    current.customer = customer
    current.is_active = True
    current.synced_at = now
    current.save()
    result.updated += changed
    result.unchanged += not changed
