"""After a lost answer or a partial failure: reconcile a checkout whose outcome is unknown (same
MS-RequestId, never a second purchase), and retry the order groups that failed in a new cart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from partnercenter import errors as pc_errors
from portal.partner_center.client import get_client
from portal.shared.audit import audit_record
from portal.shared.errors import PortalError
from purchasing.conf import conf
from purchasing.models import Cart, Checkout, Order
from purchasing.services.cart import cart_push
from purchasing.services.checkout.outcome import mark_failed, record_result
from purchasing.services.checkout.submit import ALREADY_SUBMITTED, IN_PROGRESS, send_checkout
from purchasing.services.checkout.transitions import State, checkout_claim


def checkout_reconcile(*, checkout_id: int) -> Checkout:
    """Find out what happened to a checkout whose answer was lost, without buying twice.

    1. retry the checkout with the same MS-RequestId (Partner Center replays a processed request
       and processes an unprocessed one exactly once);
    2. if Partner Center answers "already submitted", read the cart (status Ordered) and look for
       the resulting orders in the customer's orders (lists are delayed: stay unknown until found).
    """
    if not checkout_claim(
        checkout_id,
        [State.OUTCOME_UNKNOWN, State.SUBMITTING],
        to_state=State.OUTCOME_UNKNOWN,
        count_attempt=False,
    ):
        return Checkout.objects.get(pk=checkout_id)
    checkout = Checkout.objects.select_related("cart", "customer").get(pk=checkout_id)
    try:
        return record_result(checkout.pk, send_checkout(checkout))
    except pc_errors.ValidationError as exc:
        code = str(exc.code or "")
        if code not in ALREADY_SUBMITTED and code not in IN_PROGRESS and not exc.should_retry:
            return mark_failed(checkout, exc)
        if code in ALREADY_SUBMITTED:
            found = _find_orders_of(checkout)
            if found is not None:
                return record_result(checkout.pk, found)
        _release(checkout, _("Still checking with Partner Center (%(error)s).") % {"error": exc})
    except pc_errors.NotFound as exc:
        # The cart is gone without having been ordered (expired): nothing was bought.
        return mark_failed(checkout, exc)
    except pc_errors.PartnerCenterError as exc:
        _release(
            checkout,
            _("Partner Center did not answer yet (%(error)s); checking again shortly.")
            % {"error": exc},
        )
    checkout.refresh_from_db()
    return checkout


def _release(checkout: Checkout, message: str) -> None:
    """Give the claim back and set when the next reconcile attempt is due (the state stays)."""
    backoff = int(conf("PURCHASING_RECONCILE_BACKOFF_SECONDS"))
    delay = min(300, backoff * max(1, checkout.reconcile_attempts))
    Checkout.objects.filter(pk=checkout.pk).update(
        claimed_until=None,
        last_error=message[:2000],
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )


@dataclass
class _FoundResult:
    orders: list
    order_errors: list


def _find_orders_of(checkout: Checkout) -> _FoundResult | None:
    """The cart was ordered but the answer is lost: match the customer's orders by line items.

    Returns None while the orders have not appeared in Partner Center's lists yet.
    """
    client = get_client()
    customer_id = str(checkout.customer.tenant_id)
    try:
        cart = client.get_cart(customer_id, checkout.cart.pc_cart_id)
    except pc_errors.PartnerCenterError:
        return None
    if str(cart.status or "").lower() != "ordered":
        return None
    known = set(
        Order.objects.filter(customer=checkout.customer).values_list("pc_order_id", flat=True)
    )
    since = (checkout.submitted_at or checkout.created_at) - timedelta(minutes=5)
    wanted = {(line.catalog_item_id, line.quantity) for line in checkout.cart.lines.all()}
    groups = {line.order_group for line in checkout.cart.lines.all()}
    found = []
    for pc_order in client.list_orders(customer_id):
        if pc_order.id in known or (pc_order.creation_date and pc_order.creation_date < since):
            continue
        items = {(li.offer_id, li.quantity) for li in pc_order.line_items}
        if items and items <= wanted:
            found.append(pc_order)
            wanted -= items
    if not found or (wanted and len(found) < len(groups)):
        return None
    return _FoundResult(orders=found, order_errors=[])


def checkouts_due_for_reconcile(limit: int = 100) -> list[int]:
    """Unknown outcomes whose backoff passed, and submits whose worker died (stale claim)."""
    now = timezone.now()
    return list(
        Checkout.objects.filter(
            Q(state=State.OUTCOME_UNKNOWN, next_attempt_at__lte=now)
            | Q(state=State.OUTCOME_UNKNOWN, next_attempt_at__isnull=True)
            | Q(state=State.SUBMITTING, claimed_until__lt=now)
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .values_list("pk", flat=True)[:limit]
    )


def checkout_retry_failed_groups(*, checkout_id: int, user) -> Cart:
    """Put the lines of the order groups that failed into a new cart, leaving bought ones alone."""
    checkout = Checkout.objects.select_related("cart", "customer").get(pk=checkout_id)
    failed = {str(e.get("order_group")) for e in checkout.order_errors or []}
    if checkout.state not in (State.PARTIALLY_SUBMITTED, State.FAILED) or not failed:
        raise PortalError(_("This checkout has no failed order groups to retry."), code="no_failed")
    if Cart.objects.filter(customer=checkout.customer, state=Cart.State.OPEN).exists():
        raise PortalError(
            _("The customer already has an open cart; place or empty it before retrying."),
            code="cart_open",
        )
    with transaction.atomic():
        new_cart = Cart.objects.create(
            customer=checkout.customer, created_by=user, retry_of=checkout.cart, version=1
        )
        for line in checkout.cart.lines.filter(order_group__in=failed):
            line.pk = None
            line.cart = new_cart
            line.error_code = line.error_description = ""
            line.pc_line_id = None
            line.save()
        audit_record(
            actor=user,
            action="checkout.retry_groups",
            obj=new_cart,
            customer=checkout.customer,
            summary=f"Retrying failed order group(s) {', '.join(sorted(failed))} in a new cart",
            from_checkout=checkout.pk,
        )
    cart_push(cart_id=new_cart.pk)
    return new_cart
