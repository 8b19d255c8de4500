"""Checkout: review (re-validation, duplicates, approval rules), submit, reconcile, group retry.

The state machine (``Checkout.State``)::

    draft ─┬─> awaiting_approval ─> (approved) draft ─> submitting | rejected
           └─> submitting ─┬─> submitted | partially_submitted | failed
                           └─> outcome_unknown ─(reconcile, same MS-RequestId)─> submitted | ...

Why it cannot buy twice:
- one ``Checkout`` row per cart (``OneToOneField``): concurrent submits of a cart meet on it;
- work is claimed with a conditional ``UPDATE ... WHERE state IN (...) AND claim expired``, so only
  one process talks to Partner Center for a checkout at a time;
- the ``MS-RequestId`` is stored with the row before the first call and every retry (including a
  reconcile after a crash) reuses it, so Partner Center replays instead of buying again;
- a checkout whose outcome is unknown is never retried with a new id: it is reconciled.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.partner_center.client import get_client, new_operation_id
from portal.shared.audit import audit_record
from portal.shared.errors import NotAllowed, PortalError
from portal.shared.queue import enqueue_on_commit
from portal.shared.roles import Role, has_role
from purchasing.conf import approval_thresholds, checkout_claim_seconds, conf
from purchasing.models import Approval, Cart, CartLine, Checkout, Order, OrderLine
from purchasing.services.cart import LineInput, cart_ensure_in_step, cart_push, line_problems
from purchasing.services.notifications import notification_create
from purchasing.services.resale import RESALE_FIELDS, order_line_record_resale

log = logging.getLogger(__name__)

State = Checkout.State
# Partner Center error codes that mean "this cart was (already) checked out".
ALREADY_SUBMITTED = {"800065"}
IN_PROGRESS = {"800064"}


# -- review --------------------------------------------------------------------------------------


@dataclass
class Review:
    cart: Cart
    lines: list[CartLine]
    groups: dict[str, list[CartLine]]
    problems: dict[int, list[str]] = field(default_factory=dict)  # line pk -> sentences
    duplicates: dict[int, list[Order]] = field(default_factory=dict)
    approval_reasons: list[str] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)
    unpriced: list[CartLine] = field(default_factory=list)  # no price in the price sheet
    cart_error: str = ""

    @property
    def needs_confirmation(self) -> list[CartLine]:
        return [line for line in self.lines if line.needs_confirmation]

    @property
    def can_place(self) -> bool:
        return bool(self.lines) and not self.problems and not self.needs_confirmation


def _line_input(line: CartLine) -> LineInput:
    return LineInput(
        quantity=line.quantity,
        billing_cycle=line.billing_cycle,
        term_duration=line.term_duration,
        provisioning_context=line.provisioning_context,
    )


def _revalidate_with_partner_center(cart: Cart, lines: list[CartLine]) -> None:
    """Read each line's availability again: ids are reissued and terms change.

    A changed id or term is written to the line with a ``change_note`` that the salesperson must
    confirm before the order can be placed.
    """
    from partnercenter import errors as pc_errors

    client = get_client()
    country = cart.customer.country
    changed = False
    # One read per distinct item, however many lines carry it (a 50-line cart of two items
    # costs two reads): a NotFound or other error is remembered like an answer.
    answers: dict[tuple, object] = {}

    def read(*key: str):
        """(product, SKU, availability): that availability; (product, SKU): its availabilities."""
        if key not in answers:
            try:
                answers[key] = (
                    client.get_availability(*key, country)
                    if len(key) == 3
                    else list(client.list_availabilities(*key, country))
                )
            except pc_errors.PartnerCenterError as exc:
                answers[key] = exc
        if isinstance(answers[key], Exception):
            raise answers[key]
        return answers[key]

    for line in lines:
        if not line.product_id or not line.sku_id:
            continue
        availability_id = line.catalog_item_id.split(":")[-1]
        notes = []
        new_id = line.catalog_item_id
        terms: list[str] = []
        try:
            fresh = read(line.product_id, line.sku_id, availability_id)
            terms = [t.duration for t in (fresh.terms or []) if getattr(t, "duration", None)]
        except pc_errors.NotFound:
            candidates = read(line.product_id, line.sku_id)
            match = _best_replacement(candidates, line)
            if match is None:
                notes.append(_("Partner Center no longer offers this item; remove the line."))
            else:
                new_id = match.catalog_item_id
                terms = [t.duration for t in (match.terms or []) if getattr(t, "duration", None)]
                notes.append(
                    _(
                        "Changed since added: Partner Center reissued the catalog item id "
                        "(%(old)s is now %(new)s)."
                    )
                    % {"old": line.catalog_item_id, "new": new_id}
                )
        except pc_errors.PartnerCenterError as exc:
            log.warning("availability re-check failed for line %s: %s", line.pk, exc)
            continue
        if (
            terms
            and line.term_duration
            and line.term_duration.upper() not in {t.upper() for t in terms}
        ):
            notes.append(
                _(
                    "Changed since added: the term %(term)s is no longer offered "
                    "(now %(terms)s); change the line."
                )
                % {"term": line.term_duration, "terms": ", ".join(terms)}
            )
        # Price notes are kept (they are recomputed by ``_revalidate_prices``).
        merged = "\n".join(notes + _price_notes_of(line.change_note))
        if notes and merged != line.change_note:
            CartLine.objects.filter(pk=line.pk).update(
                catalog_item_id=new_id,
                pc_availability_id=new_id.split(":")[-1],
                change_note=merged,
                change_confirmed=False,
            )
            changed = changed or new_id != line.catalog_item_id
    if changed:
        Cart.objects.filter(pk=cart.pk).update(version=F("version") + 1)
        cart_push(cart_id=cart.pk)


# Price notes stay English: they are found again by this prefix when prices are re-checked.
PRICE_NOTE = "Changed since added: the price"


def _price_notes_of(note: str) -> list[str]:
    return [n for n in (note or "").splitlines() if n.startswith(PRICE_NOTE)]


def _fmt(amount: Decimal | None, currency: str) -> str:
    return f"{amount:,.2f} {currency}".strip() if amount is not None else "no price"


def _price_note(line: CartLine, price) -> str:
    """The sentence for a price that differs from the one seen when the line was added."""
    new_amount = price.unit_price if price else None
    new_currency = price.currency if price else ""
    old_amount, old_currency = line.added_unit_price, line.added_currency
    if (old_amount, old_currency) == (new_amount, new_currency) or (
        old_amount is None and new_amount is None
    ):
        return ""
    since = ""
    if price and price.effective_start:
        since = f", effective {price.effective_start:%Y-%m-%d}"
    if old_amount is None:
        return (
            f"{PRICE_NOTE} sheet now lists {_fmt(new_amount, new_currency)} per unit{since} "
            "(there was no price when the line was added)."
        )
    if new_amount is None:
        return (
            f"{PRICE_NOTE} sheet no longer has a price for this item (it was "
            f"{_fmt(old_amount, old_currency)} per unit when added)."
        )
    return (
        f"{PRICE_NOTE} changed from {_fmt(old_amount, old_currency)} to "
        f"{_fmt(new_amount, new_currency)} per unit{since}."
    )


def _revalidate_prices(cart: Cart, *, user=None) -> None:
    """Refresh each line's partner cost from the mirrored price sheet (local reads only).

    A price that differs from the one seen when the line was added adds a "changed since added"
    note that must be confirmed like a reissued id or a changed term; the change is audited.
    """
    from purchasing.services.cart import current_price, price_fields

    lines = list(cart.lines.select_related("availability__sku__product").order_by("id"))
    for line in lines:
        if line.availability is None:
            continue
        price = current_price(
            availability=line.availability,
            term_duration=line.term_duration,
            billing_cycle=line.billing_cycle,
        )
        fields = price_fields(price)
        note = _price_note(line, price)
        others = [n for n in (line.change_note or "").splitlines() if not n.startswith(PRICE_NOTE)]
        change_note = "\n".join(others + ([note] if note else []))
        same_price = all(
            getattr(line, k) == v for k, v in fields.items() if k != "price_checked_at"
        )
        if same_price and change_note == line.change_note:
            continue
        updates = dict(fields, change_note=change_note)
        if change_note != line.change_note and note and note not in line.change_note:
            updates["change_confirmed"] = False
            audit_record(
                actor=user,
                action="cart.price_changed",
                obj=cart,
                customer=cart.customer,
                summary=f"Price of {line.title} changed since it was added",
                note=note,
                catalog_item_id=line.catalog_item_id,
                added_unit_price=line.added_unit_price,
                added_currency=line.added_currency,
                unit_price=fields["unit_price"],
                currency=fields["currency"],
            )
        elif not change_note:
            updates["change_confirmed"] = False
        CartLine.objects.filter(pk=line.pk).update(**updates)


def _best_replacement(candidates, line: CartLine):
    usable = [a for a in candidates if getattr(a, "is_purchasable", True) is not False]
    for availability in usable:
        durations = {str(t.duration).upper() for t in (availability.terms or [])}
        if not line.term_duration or line.term_duration.upper() in durations:
            return availability
    return usable[0] if usable else None


def duplicate_orders(*, cart: Cart, lines: list[CartLine]) -> dict[int, list[Order]]:
    """Orders of the same customer with the same SKU and term within the window, or awaiting PC."""
    days = int(conf("PURCHASING_DUPLICATE_WINDOW_DAYS"))
    since = timezone.now() - timedelta(days=days)
    keys = {(line.product_id, line.sku_id, line.term_duration) for line in lines}
    if not keys:
        return {}
    query = Q()
    for product_id, sku_id, term in keys:
        query |= Q(product_id=product_id, sku_id=sku_id, term_duration=term)
    matches = (
        OrderLine.objects.filter(query, order__customer_id=cart.customer_id)
        .filter(Q(order__created_at__gte=since) | Q(order__sync_state=Order.SyncState.AWAITING))
        .exclude(order__status="cancelled")
        .exclude(order__checkout__cart=cart)
        .select_related("order")
    )
    found: dict[tuple, list[Order]] = {}
    for order_line in matches:
        key = (order_line.product_id, order_line.sku_id, order_line.term_duration)
        orders = found.setdefault(key, [])
        if order_line.order not in orders:
            orders.append(order_line.order)
    return {
        line.pk: found[(line.product_id, line.sku_id, line.term_duration)]
        for line in lines
        if (line.product_id, line.sku_id, line.term_duration) in found
    }


def _is_reservation(line: CartLine) -> bool:
    context = {k.lower() for k in (line.provisioning_context or {})}
    return "scope" in context or (line.product_type or "").lower() == "azure"


def _is_multi_year(line: CartLine) -> bool:
    term = (line.term_duration or "").upper()
    duration = {k.lower(): v for k, v in (line.provisioning_context or {}).items()}.get(
        "duration", ""
    )
    return term in ("P2Y", "P3Y", "P5Y") or str(duration).lower().startswith("3year")


def approval_reasons(
    *, lines: list[CartLine], totals: dict[str, Decimal], currency: str = ""
) -> list[str]:
    reasons = []
    thresholds = approval_thresholds()
    for code, threshold in thresholds.items():
        if code in totals and totals[code] >= threshold:
            reasons.append(
                _(
                    "The order totals %(total)s %(code)s, at or above the approval "
                    "threshold of %(threshold)s %(code)s."
                )
                % {"total": f"{totals[code]:,.2f}", "threshold": f"{threshold:,.2f}", "code": code}
            )
    unpriced = [ln for ln in lines if ln.unit_price is None]
    if (
        unpriced
        and (currency or "").upper() in thresholds
        and not any(
            code in totals and totals[code] >= threshold for code, threshold in thresholds.items()
        )
    ):
        # Without a price the threshold cannot be checked: a person must look (never guess).
        reasons.append(
            ngettext(
                "%(count)d line has no price in the price sheet, so the total cannot be "
                "checked against the %(currency)s approval threshold.",
                "%(count)d lines have no price in the price sheet, so the total cannot be "
                "checked against the %(currency)s approval threshold.",
                len(unpriced),
            )
            % {"count": len(unpriced), "currency": currency.upper()}
        )
    if conf("PURCHASING_APPROVAL_RESERVATIONS") and any(_is_reservation(ln) for ln in lines):
        reasons.append(_("The cart contains an Azure reservation."))
    if conf("PURCHASING_APPROVAL_MULTI_YEAR") and any(_is_multi_year(ln) for ln in lines):
        reasons.append(_("The cart contains a multi-year term."))
    return reasons


def line_totals(lines: list[CartLine]) -> dict[str, Decimal]:
    """Partner cost per currency of the priced lines (unpriced lines are left out)."""
    totals: dict[str, Decimal] = {}
    for line in lines:
        if line.unit_price is not None and line.currency:
            totals[line.currency] = totals.get(line.currency, Decimal(0)) + (
                line.unit_price * line.quantity
            )
    return totals


def checkout_review(*, cart: Cart, recheck: bool = True, user=None) -> Review:
    """Everything the review page shows; re-reads availabilities from Partner Center
    (``recheck``) and prices from the mirrored price sheet (always, while the cart is open)."""
    editable = cart.state == Cart.State.OPEN and not _has_started(cart)
    if recheck and editable:
        cart = cart_ensure_in_step(cart=cart)
        lines = list(cart.lines.select_related("availability__sku__product").order_by("id"))
        _revalidate_with_partner_center(cart, lines)
        cart.refresh_from_db()
    if editable:
        _revalidate_prices(cart, user=user)
    lines = list(cart.lines.select_related("availability__sku__product").order_by("id"))
    review = Review(cart=cart, lines=lines, groups={}, cart_error=cart.last_error)
    for line in lines:
        review.groups.setdefault(line.order_group or "?", []).append(line)
        problems: list[str] = []
        if line.availability is not None:
            errors = line_problems(
                customer=cart.customer, availability=line.availability, data=_line_input(line)
            )
            problems = [m for msgs in errors.values() for m in msgs]
        if line.error_description:
            problems.append(_("Partner Center: %(error)s") % {"error": line.error_description})
        if problems:
            review.problems[line.pk] = problems
    review.duplicates = duplicate_orders(cart=cart, lines=lines)
    review.totals = line_totals(lines)
    review.unpriced = [line for line in lines if line.unit_price is None]
    review.approval_reasons = approval_reasons(
        lines=lines, totals=review.totals, currency=cart.customer.currency
    )
    return review


def _has_started(cart: Cart) -> bool:
    checkout = Checkout.objects.filter(cart=cart).first()
    return bool(checkout and (checkout.attempts or checkout.state not in (State.DRAFT,)))


def checkout_confirm_changes(*, cart: Cart, user) -> int:
    """The salesperson accepts the changes found at review (audited)."""
    lines = [line for line in cart.lines.all() if line.needs_confirmation]
    with transaction.atomic():
        CartLine.objects.filter(pk__in=[ln.pk for ln in lines]).update(change_confirmed=True)
        for line in lines:
            audit_record(
                actor=user,
                action="cart.change_confirmed",
                obj=cart,
                customer=cart.customer,
                summary=f"Accepted change to {line.title}",
                note=line.change_note,
                catalog_item_id=line.catalog_item_id,
            )
    return len(lines)


# -- submit --------------------------------------------------------------------------------------


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
    if existing and existing.state not in (State.DRAFT, State.FAILED, State.REJECTED):
        return existing  # a second click/tab/user: the first submit owns it
    if existing and existing.state == State.FAILED and cart.state != Cart.State.OPEN:
        return existing
    review = checkout_review(cart=cart, recheck=False, user=user)
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
    currency = next(iter(review.totals), cart.customer.currency or "")
    try:
        with transaction.atomic():
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
            if not created:
                if checkout.state not in (State.DRAFT, State.FAILED, State.REJECTED):
                    return checkout
                if checkout.state in (State.FAILED, State.REJECTED):
                    # Nothing was bought (Partner Center rejected the cart before ordering):
                    # a fresh attempt gets a fresh idempotency key.
                    Checkout.objects.filter(pk=checkout.pk).update(
                        state=State.DRAFT,
                        updated_at=timezone.now(),
                        ms_request_id=uuid.uuid4(),
                        requested_by=user,
                        requested_at=timezone.now(),
                        error_code="",
                        last_error="",
                        order_errors=[],
                        attempts=0,
                    )
                    Approval.objects.filter(checkout=checkout).delete()
                    checkout.refresh_from_db()
            if review.duplicates:
                Checkout.objects.filter(pk=checkout.pk).update(duplicate_confirmed_by=user)
                audit_record(
                    actor=user,
                    action="checkout.duplicate_confirmed",
                    obj=checkout,
                    customer=cart.customer,
                    summary="Confirmed buying items the customer ordered recently",
                    orders=[o.pc_order_id for orders in review.duplicates.values() for o in orders],
                )
            if review.approval_reasons and not _approved(checkout):
                Checkout.objects.filter(pk=checkout.pk).update(state=State.AWAITING_APPROVAL)
                Approval.objects.update_or_create(
                    checkout=checkout,
                    defaults={
                        "state": Approval.State.PENDING,
                        "reasons": review.approval_reasons,
                        "requested_by": user,
                    },
                )
                audit_record(
                    actor=user,
                    action="checkout.approval_requested",
                    obj=checkout,
                    customer=cart.customer,
                    summary="Checkout waits for approval",
                    reasons=review.approval_reasons,
                    totals=review.totals,
                )
                checkout.refresh_from_db()
                return checkout
    except IntegrityError:
        return Checkout.objects.get(cart=cart)
    if queue:
        return checkout_queue(checkout_id=checkout.pk)
    return checkout_execute(checkout_id=checkout.pk)


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


def _approved(checkout: Checkout) -> bool:
    return Approval.objects.filter(checkout=checkout, state=Approval.State.APPROVED).exists()


def _claim(checkout_id: int, from_states, *, to_state: str, count_attempt: bool) -> bool:
    """Conditional UPDATE: only one process works on a checkout at a time."""
    now = timezone.now()
    updates = {
        "state": to_state,
        "claimed_until": now + timedelta(seconds=checkout_claim_seconds()),
        "updated_at": now,
    }
    if count_attempt:
        updates["attempts"] = F("attempts") + 1
        updates["submitted_at"] = now
    else:
        updates["reconcile_attempts"] = F("reconcile_attempts") + 1
    claimed = (
        Checkout.objects.filter(pk=checkout_id, state__in=list(from_states))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(**updates)
    )
    return claimed == 1


def checkout_execute(*, checkout_id: int) -> Checkout:
    """First attempt of a draft checkout: sync the PC cart, claim, call, record."""
    checkout = Checkout.objects.select_related("cart", "customer").get(pk=checkout_id)
    if checkout.state != State.DRAFT:
        return checkout
    cart = cart_ensure_in_step(cart=checkout.cart)
    cart = _recreate_if_expired(cart)
    if not cart.pc_cart_id or not cart.in_step or cart.lines.exclude(error_code="").exists():
        message = cart.last_error or "Partner Center reported problems on the cart lines."
        Checkout.objects.filter(pk=checkout.pk, state=State.DRAFT).update(
            state=State.FAILED, last_error=message, finished_at=timezone.now()
        )
        checkout.refresh_from_db()
        return checkout
    if not _claim(checkout.pk, [State.DRAFT], to_state=State.SUBMITTING, count_attempt=True):
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
    from partnercenter import errors as pc_errors

    if not cart.pc_cart_id:
        return cart
    try:
        get_client().get_cart(str(cart.customer.tenant_id), cart.pc_cart_id)
    except pc_errors.NotFound:
        return cart_push(cart_id=cart.pk, force_new=True)
    except pc_errors.PartnerCenterError:
        pass  # the checkout call itself will tell
    return cart


def _call_checkout(checkout: Checkout) -> Checkout:
    """Send the checkout with its stored MS-RequestId and record whatever is learnt."""
    from partnercenter import errors as pc_errors

    cart = checkout.cart
    try:
        result = get_client().checkout_cart(
            str(checkout.customer.tenant_id),
            cart.pc_cart_id,
            request_id=str(checkout.ms_request_id),
            correlation_id=checkout.correlation_id or None,
        )
    except pc_errors.ValidationError as exc:
        code = str(exc.code or "")
        if code in ALREADY_SUBMITTED or code in IN_PROGRESS or exc.should_retry:
            return _mark_unknown(checkout, exc, ordered=code in ALREADY_SUBMITTED)
        return _mark_failed(checkout, exc)
    except (pc_errors.NotFound, pc_errors.AuthenticationError, pc_errors.PermissionDenied) as exc:
        # Rejected before anything was bought (expired cart, no access): safe to try again.
        return _mark_failed(checkout, exc)
    except pc_errors.PartnerCenterError as exc:
        # Timeout, reset, 5xx, 429 after retries, unreadable body: the outcome is unknown.
        return _mark_unknown(checkout, exc)
    except Exception as exc:
        log.exception("checkout %s: unexpected error", checkout.pk)
        return _mark_unknown(checkout, exc)
    return _record_result(checkout.pk, result)


def _mark_failed(checkout: Checkout, exc) -> Checkout:
    data = getattr(exc, "data", None) or []
    with transaction.atomic():
        Checkout.objects.filter(pk=checkout.pk).update(
            state=State.FAILED,
            error_code=str(getattr(exc, "code", "") or ""),
            last_error=str(exc),
            finished_at=timezone.now(),
            claimed_until=None,
        )
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
        audit_record(
            actor=checkout.requested_by,
            action="checkout.failed",
            obj=checkout,
            customer=checkout.customer,
            summary="Partner Center rejected the checkout; nothing was bought",
            error=str(exc),
            ms_request_id=checkout.ms_request_id,
        )
    checkout.refresh_from_db()
    return checkout


def _mark_unknown(checkout: Checkout, exc, *, ordered: bool = False) -> Checkout:
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
        Checkout.objects.filter(pk=checkout.pk).update(
            state=State.OUTCOME_UNKNOWN,
            last_error=message,
            error_code=str(getattr(exc, "code", "") or ""),
            claimed_until=None,
            next_attempt_at=timezone.now(),
        )
        audit_record(
            actor=checkout.requested_by,
            action="checkout.outcome_unknown",
            obj=checkout,
            customer=checkout.customer,
            summary="Checkout outcome unknown; reconciling with the same MS-RequestId",
            error=str(exc),
            ms_request_id=checkout.ms_request_id,
        )
        enqueue_on_commit("purchasing.tasks.checkout_reconcile_task", checkout.pk)
    checkout.refresh_from_db()
    return checkout


def _order_group_for(pc_order, lines: list[CartLine]) -> str:
    offers = {line.offer_id for line in pc_order.line_items}
    for line in lines:
        if line.catalog_item_id in offers and line.order_group:
            return line.order_group
    return ""


def _record_result(checkout_id: int, result) -> Checkout:
    """Create the local orders and the final state in one transaction (idempotent)."""
    from purchasing.services.orders import order_record

    with transaction.atomic():
        checkout = (
            Checkout.objects.select_for_update()
            .select_related("cart", "customer")
            .get(pk=checkout_id)
        )
        if checkout.is_final:
            return checkout
        lines = list(checkout.cart.lines.all())
        orders = []
        unpriced_lines = list(lines)
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
        Checkout.objects.filter(pk=checkout.pk).update(
            state=state,
            order_errors=errors,
            finished_at=timezone.now(),
            claimed_until=None,
            last_error="; ".join(
                _("group %(group)s: %(description)s")
                % {"group": e["order_group"], "description": e["description"]}
                for e in errors
            ),
        )
        Cart.objects.filter(pk=checkout.cart_id).update(state=Cart.State.CHECKED_OUT)
        audit_record(
            actor=checkout.requested_by,
            action=f"checkout.{state}",
            obj=checkout,
            customer=checkout.customer,
            summary=f"Checkout {state.replace('_', ' ')}: {len(orders)} order(s), "
            f"{len(errors)} failed group(s)",
            orders=[o.pc_order_id for o in orders],
            order_errors=errors,
            ms_request_id=checkout.ms_request_id,
            pc_cart_id=checkout.cart.pc_cart_id,
            estimated_total=checkout.estimated_total,
            currency=checkout.currency,
        )
        order_ids = [o.pk for o in orders]
        countdown = int(conf("PURCHASING_ORDER_SYNC_FIRST_COUNTDOWN"))
        for pk in order_ids:
            enqueue_on_commit("purchasing.tasks.order_confirm_task", pk, countdown=countdown)
    checkout.refresh_from_db()
    return checkout


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


# -- reconcile -----------------------------------------------------------------------------------


def checkout_reconcile(*, checkout_id: int) -> Checkout:
    """Find out what happened to a checkout whose answer was lost, without buying twice.

    1. retry the checkout with the same MS-RequestId (Partner Center replays a processed request
       and processes an unprocessed one exactly once);
    2. if Partner Center answers "already submitted", read the cart (status Ordered) and look for
       the resulting orders in the customer's orders (lists are delayed: stay unknown until found).
    """
    from partnercenter import errors as pc_errors

    if not _claim(
        checkout_id,
        [State.OUTCOME_UNKNOWN, State.SUBMITTING],
        to_state=State.OUTCOME_UNKNOWN,
        count_attempt=False,
    ):
        return Checkout.objects.get(pk=checkout_id)
    checkout = Checkout.objects.select_related("cart", "customer").get(pk=checkout_id)
    client = get_client()
    try:
        result = client.checkout_cart(
            str(checkout.customer.tenant_id),
            checkout.cart.pc_cart_id,
            request_id=str(checkout.ms_request_id),
            correlation_id=checkout.correlation_id or None,
        )
        return _record_result(checkout.pk, result)
    except pc_errors.ValidationError as exc:
        code = str(exc.code or "")
        if code not in ALREADY_SUBMITTED and code not in IN_PROGRESS and not exc.should_retry:
            return _mark_failed(checkout, exc)
        if code in ALREADY_SUBMITTED:
            found = _find_orders_of(checkout)
            if found is not None:
                return _record_result(checkout.pk, found)
        _release(checkout, _("Still checking with Partner Center (%(error)s).") % {"error": exc})
    except pc_errors.NotFound as exc:
        # The cart is gone without having been ordered (expired): nothing was bought.
        return _mark_failed(checkout, exc)
    except pc_errors.PartnerCenterError as exc:
        _release(
            checkout,
            _("Partner Center did not answer yet (%(error)s); checking again shortly.")
            % {"error": exc},
        )
    checkout.refresh_from_db()
    return checkout


def _release(checkout: Checkout, message: str) -> None:
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
    from partnercenter import errors as pc_errors

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


# -- approvals -----------------------------------------------------------------------------------


def approval_decide(
    *, approval_id: int, user, approve: bool, comment: str = "", queue: bool = False
) -> Approval:
    """A finance or admin user approves (and the checkout is placed, by a worker with ``queue``)
    or rejects."""
    if not has_role(user, Role.FINANCE, Role.ADMIN):
        raise NotAllowed(_("Only finance or admin users can approve purchases."))
    with transaction.atomic():
        approval = (
            Approval.objects.select_for_update()
            .select_related("checkout__customer")
            .get(pk=approval_id)
        )
        if approval.state != Approval.State.PENDING:
            raise PortalError(_("This approval has already been decided."), code="decided")
        if approval.requested_by_id == user.pk and not user.is_superuser:
            raise NotAllowed(_("You cannot approve your own purchase."))
        checkout = approval.checkout
        approval.state = Approval.State.APPROVED if approve else Approval.State.REJECTED
        approval.decided_by = user
        approval.decided_at = timezone.now()
        approval.comment = comment[:2000]
        approval.save()
        Checkout.objects.filter(pk=checkout.pk, state=State.AWAITING_APPROVAL).update(
            state=State.DRAFT if approve else State.REJECTED, updated_at=timezone.now()
        )
        verb = "approved" if approve else "rejected"
        audit_record(
            actor=user,
            action=f"checkout.{verb}",
            obj=checkout,
            customer=checkout.customer,
            summary=f"Purchase for {checkout.customer.company_name} {verb}",
            comment=comment,
            estimated_total=checkout.estimated_total,
            currency=checkout.currency,
        )
        if approval.requested_by_id:
            notification_create(
                recipient_id=approval.requested_by_id,
                url=f"/cart/{checkout.customer_id}/review/",
                message=lambda: _approval_note(
                    approver=user.get_username(),
                    customer=checkout.customer.company_name,
                    approve=approve,
                    comment=comment,
                ),
            )
    if approve and queue:
        checkout_queue(checkout_id=approval.checkout_id)
    elif approve:
        checkout_execute(checkout_id=approval.checkout_id)
    return approval


def _approval_note(*, approver: str, customer: str, approve: bool, comment: str) -> str:
    values = {"user": approver, "customer": customer, "comment": comment}
    if approve and comment:
        return _("%(user)s approved your purchase for %(customer)s: %(comment)s") % values
    if approve:
        return _("%(user)s approved your purchase for %(customer)s.") % values
    if comment:
        return _("%(user)s rejected your purchase for %(customer)s: %(comment)s") % values
    return _("%(user)s rejected your purchase for %(customer)s.") % values


# -- group retry ---------------------------------------------------------------------------------


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
