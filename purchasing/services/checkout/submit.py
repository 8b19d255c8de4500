"""Placing a cart: the single ``Checkout`` row per cart, the approval gate, and the first call to
Partner Center with the stored MS-RequestId."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from partnercenter import errors as pc_errors
from portal.partner_center.client import get_client, new_operation_id
from portal.shared.audit import audit_record
from portal.shared.errors import PortalError
from portal.shared.queue import enqueue_on_commit
from purchasing.models import Approval, Cart, Checkout
from purchasing.services.cart import cart_ensure_in_step, cart_push
from purchasing.services.checkout.outcome import mark_failed, mark_unknown, record_result
from purchasing.services.checkout.review import Review, checkout_review
from purchasing.services.checkout.transitions import State, checkout_claim, checkout_transition

log = logging.getLogger(__name__)

# Partner Center error codes that mean "this cart was (already) checked out".
ALREADY_SUBMITTED = {"800065"}
IN_PROGRESS = {"800064"}
# States from which a submit starts (again); any other state belongs to the first submit.
RESTARTABLE = (State.DRAFT, State.FAILED, State.REJECTED)


def checkout_submit(
    *, cart_id: int, user, confirm_duplicates: bool = False, queue: bool = False
) -> Checkout:
    """Place the order for a cart; safe against double clicks, two tabs and two users.

    Steps: validate (review without PC calls) -> get-or-create the cart's single ``Checkout`` row
    (its MS-RequestId is stored now) -> approval gate -> ``checkout_execute``, or with ``queue``
    (web requests: they never wait on Partner Center) the row stays ``draft`` and a worker runs
    ``checkout_execute`` after commit; the checkout page follows it.
    Raises ``PortalError`` with a sentence when the cart cannot be placed as it is.
    """
    cart = Cart.objects.select_related("customer").get(pk=cart_id)
    existing = Checkout.objects.filter(cart=cart).first()
    if existing and existing.state not in RESTARTABLE:
        return existing  # a second click/tab/user: the first submit owns it
    if existing and existing.state == State.FAILED and cart.state != Cart.State.OPEN:
        return existing
    review = checkout_review(cart=cart, recheck=False, user=user)
    _refuse_unplaceable(review, confirm_duplicates=confirm_duplicates)
    try:
        with transaction.atomic():
            checkout, ours = _checkout_of(cart, user=user, review=review)
            if not ours:
                return checkout
            if review.duplicates:
                _confirm_duplicates(checkout, user=user, review=review)
            if review.approval_reasons and not _approved(checkout):
                _request_approval(checkout, user=user, review=review)
                return checkout
    except IntegrityError:
        return Checkout.objects.get(cart=cart)
    if queue:
        return checkout_queue(checkout_id=checkout.pk)
    return checkout_execute(checkout_id=checkout.pk)


def _refuse_unplaceable(review: Review, *, confirm_duplicates: bool) -> None:
    if not review.lines:
        raise PortalError(_("The cart is empty."), code="cart_empty")
    if review.needs_confirmation:
        raise PortalError(
            _("Some lines changed since they were added; review and accept the changes first."),
            code="changes_unconfirmed",
        )
    if review.problems:
        raise PortalError(
            _("Fix the problems shown on the cart lines before placing the order."),
            code="cart_invalid",
        )
    if review.duplicates and not confirm_duplicates:
        raise PortalError(
            _(
                "This customer already ordered some of these items recently; confirm that you want "
                "to buy them again."
            ),
            code="duplicate_unconfirmed",
        )


def _checkout_of(cart: Cart, *, user, review: Review) -> tuple[Checkout, bool]:
    """The cart's one checkout row (locked), and whether this submit may go on with it."""
    currency = next(iter(review.totals), cart.customer.currency or "")
    checkout, created = Checkout.objects.select_for_update().get_or_create(
        cart=cart,
        defaults={
            "customer": cart.customer,
            "requested_by": user,
            "requested_at": timezone.now(),
            "correlation_id": new_operation_id(),
            "currency": currency,
            "estimated_total": review.totals.get(currency),
        },
    )
    if created or checkout.state == State.DRAFT:
        return checkout, True
    if checkout.state not in RESTARTABLE:
        return checkout, False
    # Nothing was bought (Partner Center rejected the cart before ordering): a fresh attempt gets
    # a fresh idempotency key.
    Approval.objects.filter(checkout=checkout).delete()
    checkout_transition(
        checkout,
        to=State.DRAFT,
        ms_request_id=uuid.uuid4(),
        requested_by=user,
        requested_at=timezone.now(),
        error_code="",
        last_error="",
        order_errors=[],
        attempts=0,
    )
    return checkout, True


def _confirm_duplicates(checkout: Checkout, *, user, review: Review) -> None:
    Checkout.objects.filter(pk=checkout.pk).update(duplicate_confirmed_by=user)
    audit_record(
        actor=user,
        action="checkout.duplicate_confirmed",
        obj=checkout,
        customer=checkout.customer,
        summary="Confirmed buying items the customer ordered recently",
        orders=[o.pc_order_id for orders in review.duplicates.values() for o in orders],
    )


def _request_approval(checkout: Checkout, *, user, review: Review) -> None:
    Approval.objects.update_or_create(
        checkout=checkout,
        defaults={
            "state": Approval.State.PENDING,
            "reasons": review.approval_reasons,
            "requested_by": user,
        },
    )
    checkout_transition(
        checkout,
        to=State.AWAITING_APPROVAL,
        action="checkout.approval_requested",
        actor=user,
        summary="Checkout waits for approval",
        audit={"reasons": review.approval_reasons, "totals": review.totals},
    )


def _approved(checkout: Checkout) -> bool:
    return Approval.objects.filter(checkout=checkout, state=Approval.State.APPROVED).exists()


def checkout_queue(*, checkout_id: int) -> Checkout:
    """Hand a ``draft`` checkout to a worker (``checkout_execute`` after commit)."""
    enqueue_on_commit("purchasing.tasks.checkout_execute_task", checkout_id)
    return Checkout.objects.get(pk=checkout_id)


def checkouts_queued_and_stale(*, older_than: int = 120, limit: int = 100) -> list[int]:
    """Draft checkouts (placed or approved, so queued) that no worker started: the task was lost."""
    cutoff = timezone.now() - timedelta(seconds=older_than)
    return list(
        Checkout.objects.filter(state=State.DRAFT, updated_at__lt=cutoff)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=timezone.now()))
        .values_list("pk", flat=True)[:limit]
    )


def checkout_execute(*, checkout_id: int) -> Checkout:
    """First attempt of a draft checkout: sync the PC cart, claim, call, record."""
    checkout = Checkout.objects.select_related("cart", "customer").get(pk=checkout_id)
    if checkout.state != State.DRAFT:
        return checkout
    cart = cart_ensure_in_step(cart=checkout.cart)
    cart = _recreate_if_expired(cart)
    if not cart.pc_cart_id or not cart.in_step or cart.lines.exclude(error_code="").exists():
        checkout_transition(
            checkout,
            to=State.FAILED,
            from_states=[State.DRAFT],
            last_error=cart.last_error or _("Partner Center reported problems on the cart lines."),
            finished_at=timezone.now(),
        )
        return checkout
    if not checkout_claim(
        checkout.pk, [State.DRAFT], to_state=State.SUBMITTING, count_attempt=True
    ):
        return Checkout.objects.get(pk=checkout.pk)
    checkout.refresh_from_db()
    audit_record(
        actor=checkout.requested_by,
        action="checkout.attempted",
        obj=checkout,
        customer=checkout.customer,
        summary=f"Checkout of cart {cart.pc_cart_id} sent to Partner Center",
        pc_cart_id=cart.pc_cart_id,
        ms_request_id=checkout.ms_request_id,
        correlation_id=checkout.correlation_id,
        estimated_total=checkout.estimated_total,
        currency=checkout.currency,
    )
    return _call_checkout(checkout)


def _recreate_if_expired(cart: Cart) -> Cart:
    """Partner Center's clock decides expiry: read the cart, recreate it from our lines if gone."""
    if not cart.pc_cart_id:
        return cart
    try:
        get_client().get_cart(str(cart.customer.tenant_id), cart.pc_cart_id)
    except pc_errors.NotFound:
        return cart_push(cart_id=cart.pk, force_new=True)
    except pc_errors.PartnerCenterError:
        pass  # the checkout call itself will tell
    return cart


def send_checkout(checkout: Checkout):
    """The checkout call, with the checkout's stored MS-RequestId (first attempt or replay)."""
    return get_client().checkout_cart(
        str(checkout.customer.tenant_id),
        checkout.cart.pc_cart_id,
        request_id=str(checkout.ms_request_id),
        correlation_id=checkout.correlation_id or None,
    )


def _call_checkout(checkout: Checkout) -> Checkout:
    """Send the checkout and record whatever is learnt."""
    try:
        result = send_checkout(checkout)
    except pc_errors.ValidationError as exc:
        code = str(exc.code or "")
        if code in ALREADY_SUBMITTED or code in IN_PROGRESS or exc.should_retry:
            return mark_unknown(checkout, exc, ordered=code in ALREADY_SUBMITTED)
        return mark_failed(checkout, exc)
    except (pc_errors.NotFound, pc_errors.AuthenticationError, pc_errors.PermissionDenied) as exc:
        # Rejected before anything was bought (expired cart, no access): safe to try again.
        return mark_failed(checkout, exc)
    except pc_errors.PartnerCenterError as exc:
        # Timeout, reset, 5xx, 429 after retries, unreadable body: the outcome is unknown.
        return mark_unknown(checkout, exc)
    except Exception as exc:
        log.exception("checkout %s: unexpected error", checkout.pk)
        return mark_unknown(checkout, exc)
    return record_result(checkout.pk, result)
