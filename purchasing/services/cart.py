"""Cart services: add/edit/remove lines with validation, and keep the Partner Center cart in step.

Every write commits locally first (bumping ``Cart.version``), then pushes the whole cart to
Partner Center outside any transaction (create, update, or re-create after expiry), then records
what Partner Center said (line ids, order groups, per-line errors, expiry).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.inventory import inventory_verdict
from catalog.rules import purchase_blockers
from catalog.selectors import availability_price
from catalog.services.customer_catalog import customer_catalog_known, customer_offers
from partnercenter import errors as pc_errors
from portal.models import AzureSubscription, Customer
from portal.partner_center.client import get_client, new_operation_id
from portal.shared.audit import audit_record
from portal.shared.errors import PortalError, pc_error_message
from purchasing.models import Cart, CartLine
from purchasing.subscriptions import subscription_fit_problem

log = logging.getLogger(__name__)

SCOPES = ("single", "shared")
DURATIONS = ("1year", "3year", "3years")


class CartValidationError(PortalError):
    """Input a salesperson must fix; ``errors`` maps field name -> list of sentences."""

    code = "cart_invalid"

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        first = next((m for msgs in errors.values() for m in msgs), _("The line is not valid."))
        super().__init__(first, details={"errors": errors})


@dataclass
class LineInput:
    quantity: int
    billing_cycle: str = ""
    term_duration: str = ""
    provisioning_context: dict[str, str] = field(default_factory=dict)


# -- validation ----------------------------------------------------------------------------------


def _ctx_get(context: dict, key: str) -> str:
    lowered = {str(k).lower(): v for k, v in (context or {}).items()}
    return str(lowered.get(key.lower(), "") or "").strip()


def line_problems(
    *,
    customer: Customer,
    availability,
    data: LineInput,
    check_inventory: bool = True,
    catalog_known: bool | None = None,
) -> dict[str, list[str]]:
    """Everything wrong with buying ``data`` of ``availability`` for ``customer``, by field.
    ``catalog_known``: ``customer_catalog_known(customer)`` when the caller has it (a review of
    many lines asks once)."""
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    sku = availability.sku
    for reason in purchase_blockers(availability=availability, customer=customer):
        add("__all__", reason)
    if catalog_known is None:
        catalog_known = customer_catalog_known(customer)
    if catalog_known and not customer_offers(customer, availability):
        add(
            "__all__",
            _(
                "Partner Center does not offer this catalog item to %(name)s; pick it "
                "from the customer's catalog."
            )
            % {"name": customer.company_name},
        )
    low, high = sku.min_quantity or 1, sku.max_quantity
    if data.quantity is None or data.quantity < low or (high and data.quantity > high):
        if high:
            message = _("Quantity must be between %(low)s and %(high)s for %(sku)s.")
        else:
            message = _("Quantity must be at least %(low)s for %(sku)s.")
        add("quantity", message % {"low": low, "high": high, "sku": sku.title})
    cycles = [str(c).lower() for c in (sku.billing_cycles or [])]
    if cycles and data.billing_cycle not in cycles:
        add(
            "billing_cycle",
            _("This SKU is billed %(cycles)s; pick one of those.") % {"cycles": ", ".join(cycles)},
        )
    terms = [str(t.get("duration", "")) for t in (availability.terms or []) if isinstance(t, dict)]
    terms = [t for t in terms if t]
    if terms and data.term_duration.upper() not in {t.upper() for t in terms}:
        add("term_duration", _("Pick a term: %(terms)s.") % {"terms": ", ".join(terms)})
    context = data.provisioning_context or {}
    _context_problems(sku, context, add)
    subscription_id = _ctx_get(context, "subscriptionId")
    if subscription_id or sku.needs_registration:
        _subscription_problems(customer, availability, subscription_id, add)
    if check_inventory and sku.needs_inventory_check and "ctx_subscriptionid" not in errors:
        # The line's provisioning context names the subscription; the check is keyed on its own
        # inventory context (customer, azureSubscriptionId, the SKU's region).
        verdict = inventory_verdict(customer=customer, sku=sku, subscription_id=subscription_id)
        if not verdict.passed:
            add("__all__", verdict.reason)
    return errors


def _context_problems(sku, context: dict, add: Callable[[str, str], None]) -> None:
    """The SKU's provisioning variables: each given, scope and duration among the known ones."""
    for var in [str(v) for v in (sku.provisioning_variables or [])]:
        key = var.lower()
        value = _ctx_get(context, var)
        if not value:
            label = {"subscriptionid": _("Azure subscription"), "scope": _("Scope")}.get(key, var)
            add(
                f"ctx_{key}",
                _("%(label)s is required for %(sku)s.") % {"label": label, "sku": sku.title},
            )
            continue
        if key == "scope" and value.lower() not in SCOPES:
            add("ctx_scope", _("Scope must be Single or Shared."))
        if key == "duration" and value.lower() not in DURATIONS:
            add("ctx_duration", _("Duration must be 1Year or 3Year."))


def _subscription_problems(
    customer: Customer, availability, subscription_id: str, add: Callable[[str, str], None]
) -> None:
    """The named Azure subscription is the customer's and fits the availability."""
    subscription = (
        AzureSubscription.objects.filter(customer=customer, subscription_id=subscription_id)
        .only("registration_state", "friendly_name", "is_active", "offer_id", "status")
        .first()
        if _is_uuid(subscription_id)
        else None
    )
    if subscription_id and subscription is None:
        add(
            "ctx_subscriptionid",
            _("%(name)s has no Azure subscription %(subscription)s; pick one of theirs.")
            % {"name": customer.company_name, "subscription": subscription_id},
        )
    elif subscription is not None and availability.takes_subscription:
        problem = subscription_fit_problem(subscription=subscription, availability=availability)
        if problem:
            add("ctx_subscriptionid", problem)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


BILLING_PLANS = {"one_time": "OneTime", "monthly": "Monthly", "annual": "Annual"}


def billing_plan_for(billing_cycle: str) -> str:
    """The price sheet's BillingPlan for a cart billing cycle ('' when it has none)."""
    return BILLING_PLANS.get((billing_cycle or "").lower(), "")


def current_price(*, availability, term_duration: str, billing_cycle: str):
    """The current partner price of a line from the mirrored price sheet, or None.

    Returns ``catalog.selectors.PriceLine`` (unit price in its currency, effective dates). None when
    the sheet has no price for this market/SKU/term/billing plan: the portal never invents one.
    """
    if availability is None:
        return None

    return availability_price(
        availability,
        term_duration=term_duration or "",
        billing_plan=billing_plan_for(billing_cycle),
    )


def price_fields(price) -> dict:
    """CartLine fields for a ``PriceLine`` (or for "no price in the sheet")."""
    return {
        "unit_price": price.unit_price if price else None,
        "currency": price.currency if price else "",
        "price_billing_plan": price.billing_plan if price else "",
        "price_effective_start": price.effective_start if price else None,
        "price_effective_end": price.effective_end if price else None,
        "price_checked_at": timezone.now(),
    }


# -- local writes ----------------------------------------------------------------------------------


def cart_get_or_create_open(*, customer: Customer, user) -> Cart:
    """The customer's open cart, created on first use (one per customer, DB-guarded)."""
    cart = Cart.objects.filter(customer=customer, state=Cart.State.OPEN).first()
    if cart:
        return cart
    try:
        with transaction.atomic():
            cart = Cart.objects.create(customer=customer, created_by=user)
    except IntegrityError:  # another request created it first
        cart = Cart.objects.get(customer=customer, state=Cart.State.OPEN)
    return cart


def _bump(cart: Cart) -> None:
    Cart.objects.filter(pk=cart.pk).update(version=F("version") + 1, updated_at=timezone.now())


def _assert_editable(cart: Cart) -> None:
    if cart.state != Cart.State.OPEN or (
        hasattr(cart, "checkout")
        and cart.checkout.state
        not in (
            "draft",
            "rejected",
            "failed",
        )
    ):
        raise PortalError(
            _("This cart has been submitted and can no longer be changed; start a new cart."),
            code="cart_closed",
        )


def cart_add_line(*, customer: Customer, availability, user, data: LineInput) -> CartLine:
    """Validate and add a line to the customer's open cart, then update Partner Center.

    Raises ``CartValidationError`` (by field) when the input can't be bought as entered.
    """
    if not data.billing_cycle:
        cycles = availability.sku.billing_cycles or []
        data.billing_cycle = str(cycles[0]).lower() if len(cycles) == 1 else ""
    errors = line_problems(customer=customer, availability=availability, data=data)
    if errors:
        raise CartValidationError(errors)
    cart = cart_get_or_create_open(customer=customer, user=user)
    _assert_editable(cart)
    sku = availability.sku
    price = current_price(
        availability=availability,
        term_duration=data.term_duration,
        billing_cycle=data.billing_cycle,
    )
    prices = price_fields(price)
    with transaction.atomic():
        line = CartLine.objects.create(
            cart=cart,
            availability=availability,
            catalog_item_id=availability.catalog_item_id,
            product_id=sku.product.product_id,
            sku_id=sku.sku_id,
            pc_availability_id=availability.availability_id,
            title=sku.title,
            product_type=sku.product.product_type,
            quantity=data.quantity,
            billing_cycle=data.billing_cycle,
            term_duration=data.term_duration,
            provisioning_context=_clean_context(data.provisioning_context),
            added_unit_price=prices["unit_price"],
            added_currency=prices["currency"],
            **prices,
        )
        _bump(cart)
        audit_record(
            actor=user,
            action="cart.line_added",
            obj=cart,
            customer=customer,
            summary=f"Added {line.quantity} x {line.title} to the cart of {customer.company_name}",
            catalog_item_id=line.catalog_item_id,
            quantity=line.quantity,
            term=line.term_duration,
            unit_price=prices["unit_price"],
            currency=prices["currency"],
            price_effective_start=prices["price_effective_start"],
        )
    cart_push(cart_id=cart.pk)
    line.refresh_from_db()
    return line


def _clean_context(context: dict) -> dict:
    return {str(k): str(v).strip() for k, v in (context or {}).items() if str(v or "").strip()}


def cart_update_line(*, line: CartLine, user, quantity: int) -> CartLine:
    cart = line.cart
    _assert_editable(cart)
    data = LineInput(
        quantity=quantity,
        billing_cycle=line.billing_cycle,
        term_duration=line.term_duration,
        provisioning_context=line.provisioning_context,
    )
    if line.availability is not None:
        errors = line_problems(
            customer=cart.customer, availability=line.availability, data=data, check_inventory=False
        )
        if errors.get("quantity"):
            raise CartValidationError({"quantity": errors["quantity"]})
    old = line.quantity
    with transaction.atomic():
        CartLine.objects.filter(pk=line.pk).update(quantity=quantity, updated_at=timezone.now())
        _bump(cart)
        audit_record(
            actor=user,
            action="cart.line_changed",
            obj=cart,
            customer=cart.customer,
            summary=f"Quantity of {line.title} changed from {old} to {quantity}",
            catalog_item_id=line.catalog_item_id,
            old_quantity=old,
            quantity=quantity,
        )
    cart_push(cart_id=cart.pk)
    line.refresh_from_db()
    return line


def cart_remove_line(*, line: CartLine, user) -> Cart:
    cart = line.cart
    _assert_editable(cart)
    with transaction.atomic():
        line.delete()
        _bump(cart)
        audit_record(
            actor=user,
            action="cart.line_removed",
            obj=cart,
            customer=cart.customer,
            summary=f"Removed {line.title} from the cart of {cart.customer.company_name}",
            catalog_item_id=line.catalog_item_id,
            quantity=line.quantity,
        )
    cart_push(cart_id=cart.pk)
    cart.refresh_from_db()
    return cart


# -- Partner Center ------------------------------------------------------------------------------


def _pc_lines(lines: list[CartLine]) -> list[dict]:
    out = []
    for index, line in enumerate(lines):
        body = {
            "id": index,
            "catalogItemId": line.catalog_item_id,
            "quantity": line.quantity,
            "billingCycle": line.billing_cycle,
            "friendlyName": line.title[:100] if line.title else None,
        }
        if line.term_duration:
            body["termDuration"] = line.term_duration
        if line.provisioning_context:
            body["provisioningContext"] = dict(line.provisioning_context)
        out.append({k: v for k, v in body.items() if v is not None})
    return out


def cart_push(*, cart_id: int, force_new: bool = False) -> Cart:
    """Send the cart's lines to Partner Center (create, update, or re-create when expired).

    Partner Center problems don't raise: they are stored on the cart (``last_error``) and its
    lines (``error_code``/``error_description``) for the page to show.
    """
    cart = Cart.objects.select_related("customer").get(pk=cart_id)
    lines = list(cart.lines.order_by("id"))
    version = cart.version
    if not lines:
        Cart.objects.filter(pk=cart.pk).update(pc_version=version, last_error="")
        cart.refresh_from_db()
        return cart
    client = get_client()
    customer_id = str(cart.customer.tenant_id)
    body = _pc_lines(lines)
    correlation_id = new_operation_id()
    try:
        pc_cart, recreated = _send(client, cart, customer_id, body, correlation_id, force_new)
    except pc_errors.PartnerCenterError as exc:
        log.warning("cart %s push failed: %s", cart.pk, exc)
        message = pc_error_message(exc, _("sending the cart to Partner Center"))
        Cart.objects.filter(pk=cart.pk).update(last_error=message)
        _apply_request_errors(lines, exc)
        cart.refresh_from_db()
        return cart
    _record_push(cart, lines, pc_cart, version, recreated, correlation_id)
    cart.refresh_from_db()
    return cart


def _send(client, cart: Cart, customer_id: str, body, correlation_id: str, force_new: bool):
    """Create or update the Partner Center cart: ``(pc_cart, recreated)``."""
    recreated = False
    try:
        if cart.pc_cart_id and not force_new:
            pc_cart = client.update_cart(
                customer_id, cart.pc_cart_id, body, correlation_id=correlation_id
            )
        else:
            recreated = bool(cart.pc_cart_id)
            pc_cart = client.create_cart(customer_id, body, correlation_id=correlation_id)
    except pc_errors.NotFound:
        # The Partner Center cart expired (800008): recreate it from the local lines.
        recreated = True
        pc_cart = client.create_cart(customer_id, body, correlation_id=correlation_id)
    return pc_cart, recreated


def _record_push(
    cart: Cart, lines: list[CartLine], pc_cart, version: int, recreated: bool, correlation_id: str
) -> None:
    """Store Partner Center's answer on the lines and the cart (audited when recreated)."""
    now = timezone.now()
    with transaction.atomic():
        by_index = {item.id: item for item in pc_cart.line_items}
        for index, line in enumerate(lines):
            item = by_index.get(index)
            error = getattr(item, "error", None) if item else None
            CartLine.objects.filter(pk=line.pk).update(
                pc_line_id=index,
                order_group=(item.order_group or "") if item else "",
                error_code=str(error.error_code) if error else "",
                error_description=(error.error_description or "") if error else "",
            )
        # Only mark in step if nobody changed the cart while we were talking to PC.
        Cart.objects.filter(pk=cart.pk).update(
            pc_cart_id=pc_cart.id or cart.pc_cart_id,
            pc_status=str(pc_cart.status or ""),
            pc_expires_at=pc_cart.expiration_timestamp,
            pc_modified_at=pc_cart.last_modified_timestamp,
            pc_synced_at=now,
            last_error="",
        )
        Cart.objects.filter(pk=cart.pk, version=version).update(pc_version=version)
        if recreated:
            audit_record(
                actor=None,
                action="cart.recreated",
                obj=cart,
                customer=cart.customer,
                summary="The Partner Center cart had expired; it was recreated from the portal's "
                "lines",
                old_pc_cart_id=cart.pc_cart_id,
                pc_cart_id=pc_cart.id,
                correlation_id=correlation_id,
            )


def _apply_request_errors(lines: list[CartLine], exc) -> None:
    """A request-level rejection (e.g. 800070 not offered in country) names catalog items."""
    data = getattr(exc, "data", None) or []
    named = {str(x) for x in data if isinstance(x, str)}
    for line in lines:
        if line.catalog_item_id in named:
            CartLine.objects.filter(pk=line.pk).update(
                error_code=str(getattr(exc, "code", "") or ""),
                error_description=getattr(exc, "description", None) or str(exc),
            )


def cart_ensure_in_step(*, cart: Cart) -> Cart:
    """Before review/checkout: push when local changes are unsent, or the PC cart expired."""
    if not cart.in_step or (cart.pc_expires_at and cart.pc_expires_at <= timezone.now()):
        return cart_push(
            cart_id=cart.pk,
            force_new=bool(cart.pc_expires_at and cart.pc_expires_at <= timezone.now()),
        )
    return cart
