"""What a checkout call taught the portal, recorded: rejected (nothing bought), outcome unknown
(reconcile with the same MS-RequestId), or the orders Partner Center created."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from partnercenter import errors as pc_errors
from portal.shared.errors import pc_error_message
from portal.shared.queue import enqueue_on_commit
from purchasing.conf import conf
from purchasing.models import Cart, CartLine, Checkout, Order, OrderLine
from purchasing.services.checkout.transitions import State, checkout_transition
from purchasing.services.orders import order_record
from purchasing.services.resale import RESALE_FIELDS, order_line_record_resale


def _placing(exc: Exception) -> str:
    """The user's sentence for an error of the checkout call."""
    if isinstance(exc, pc_errors.PartnerCenterError):
        return pc_error_message(exc, _("placing the order"))
    return str(exc)


def mark_failed(checkout: Checkout, exc) -> Checkout:
    """Partner Center rejected the checkout before anything was bought: ``failed``, with its
    reasons on the cart lines; the cart is resent on the next attempt."""
    data = getattr(exc, "data", None) or []
    with transaction.atomic():
        for problem in data if isinstance(data, list) else []:
            if isinstance(problem, dict) and "lineItemId" in problem:
                CartLine.objects.filter(
                    cart=checkout.cart, pc_line_id=problem["lineItemId"]
                ).update(
                    error_code=str(problem.get("errorCode", "")),
                    error_description=str(problem.get("errorDescription", "")),
                )
        # The PC cart must be resent after a rejection (lines may have changed state).
        Cart.objects.filter(pk=checkout.cart_id).update(version=F("version") + 1)
        checkout_transition(
            checkout,
            to=State.FAILED,
            error_code=str(getattr(exc, "code", "") or ""),
            last_error=_placing(exc),
            finished_at=timezone.now(),
            claimed_until=None,
            action="checkout.failed",
            actor=checkout.requested_by,
            summary="Partner Center rejected the checkout; nothing was bought",
            audit={"error": str(exc), "ms_request_id": checkout.ms_request_id},
        )
    return checkout


def mark_unknown(checkout: Checkout, exc, *, ordered: bool = False) -> Checkout:
    """The answer was lost (or Partner Center says the cart was already checked out): the outcome
    is unknown until the reconcile task finds out, with the same MS-RequestId."""
    message = (
        _(
            "Partner Center says this cart was already checked out; the portal is fetching the "
            "resulting orders."
        )
        if ordered
        else _(
            "Partner Center's answer was lost (%(error)s); the portal is checking whether the "
            "order was placed. Do not place it again."
        )
        % {"error": exc}
    )
    with transaction.atomic():
        checkout_transition(
            checkout,
            to=State.OUTCOME_UNKNOWN,
            last_error=message,
            error_code=str(getattr(exc, "code", "") or ""),
            claimed_until=None,
            next_attempt_at=timezone.now(),
            action="checkout.outcome_unknown",
            actor=checkout.requested_by,
            summary="Checkout outcome unknown; reconciling with the same MS-RequestId",
            audit={"error": str(exc), "ms_request_id": checkout.ms_request_id},
        )
        enqueue_on_commit("purchasing.tasks.checkout_reconcile_task", checkout.pk)
    return checkout


def _order_group_for(pc_order, lines: list[CartLine]) -> str:
    offers = {line.offer_id for line in pc_order.line_items}
    for line in lines:
        if line.catalog_item_id in offers and line.order_group:
            return line.order_group
    return ""


def record_result(checkout_id: int, result) -> Checkout:
    """Create the local orders and the final state in one transaction (idempotent)."""
    with transaction.atomic():
        checkout = (
            Checkout.objects.select_for_update()
            .select_related("cart", "customer")
            .get(pk=checkout_id)
        )
        if checkout.is_final:
            return checkout
        orders = _record_orders(checkout, result)
        errors = [
            {"order_group": e.order_group_id, "code": e.code, "description": e.description}
            for e in result.order_errors
        ]
        state = (
            State.SUBMITTED
            if orders and not errors
            else State.PARTIALLY_SUBMITTED
            if orders
            else State.FAILED
        )
        Cart.objects.filter(pk=checkout.cart_id).update(state=Cart.State.CHECKED_OUT)
        checkout_transition(
            checkout,
            to=state,
            order_errors=errors,
            finished_at=timezone.now(),
            claimed_until=None,
            last_error="; ".join(
                _("group %(group)s: %(description)s")
                % {"group": e["order_group"], "description": e["description"]}
                for e in errors
            ),
            action=f"checkout.{state}",
            actor=checkout.requested_by,
            summary=f"Checkout {state.replace('_', ' ')}: {len(orders)} order(s), "
            f"{len(errors)} failed group(s)",
            audit={
                "orders": [o.pc_order_id for o in orders],
                "order_errors": errors,
                "ms_request_id": checkout.ms_request_id,
                "pc_cart_id": checkout.cart.pc_cart_id,
                "estimated_total": checkout.estimated_total,
                "currency": checkout.currency,
            },
        )
        countdown = int(conf("PURCHASING_ORDER_SYNC_FIRST_COUNTDOWN"))
        for order in orders:
            enqueue_on_commit("purchasing.tasks.order_confirm_task", order.pk, countdown=countdown)
    return checkout


def _record_orders(checkout: Checkout, result) -> list[Order]:
    """The local order of each order Partner Center created, with the prices accepted at review."""
    lines = list(checkout.cart.lines.all())
    unpriced_lines = list(lines)
    orders = []
    for pc_order in result.orders:
        order, created = order_record(
            customer=checkout.customer,
            pc_order=pc_order,
            checkout=checkout,
            placed_by=checkout.requested_by,
            order_group=_order_group_for(pc_order, lines),
            source=Order.Source.PORTAL,
        )
        if created:
            _record_expected_prices(order, unpriced_lines)
        orders.append(order)
    return orders


def _record_expected_prices(order: Order, cart_lines: list[CartLine]) -> None:
    """Copy the partner cost accepted at review onto the order's lines (what billing expects).

    Order lines are matched to cart lines by catalog item id, quantity and term (each cart line
    used once; ``cart_lines`` is consumed). Lines without a price sheet price keep no price.
    """
    changed = []
    order_lines = list(order.lines.all())
    for order_line in order_lines:
        match = next(
            (
                c
                for c in cart_lines
                if c.catalog_item_id == order_line.offer_id
                and c.quantity == order_line.quantity
                and (c.term_duration or "").upper() == (order_line.term_duration or "").upper()
            ),
            None,
        ) or next((c for c in cart_lines if c.catalog_item_id == order_line.offer_id), None)
        if match is None:
            continue
        cart_lines.remove(match)
        if match.unit_price is None:
            continue
        order_line.unit_price = match.unit_price
        order_line.currency = match.currency
        order_line.extended_price = match.unit_price * order_line.quantity
        order_line.price_effective_start = match.price_effective_start
        order_line.price_effective_end = match.price_effective_end
        order_line_record_resale(order_line, cart_line=match)
        changed.append(order_line)
    OrderLine.objects.bulk_update(
        changed,
        [
            "unit_price",
            "currency",
            "extended_price",
            "price_effective_start",
            "price_effective_end",
            *RESALE_FIELDS,
        ],
    )
    totals = {}
    for line in changed:
        totals[line.currency] = totals.get(line.currency, Decimal(0)) + line.extended_price
    if len(changed) == len(order_lines) and len(totals) == 1 and order.total_price is None:
        currency, total = next(iter(totals.items()))
        if not order.currency or order.currency == currency:
            Order.objects.filter(pk=order.pk).update(total_price=total)
