"""Review of a cart before it is placed: Partner Center's current ids and terms, the price sheet's
current prices, the line problems, recent duplicates and the approval rules."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.services.customer_catalog import customer_catalog_known
from partnercenter import errors as pc_errors
from portal.partner_center.client import get_client
from portal.shared.audit import audit_record
from portal.shared.money import Money
from purchasing.conf import approval_thresholds, conf
from purchasing.models import Cart, CartLine, Checkout, Order, OrderLine
from purchasing.services.cart import (
    LineInput,
    cart_ensure_in_step,
    cart_push,
    current_price,
    line_problems,
    price_fields,
)

log = logging.getLogger(__name__)

State = Checkout.State


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


def _availability_reader(client, country: str):
    """A reader that asks Partner Center once per distinct item, however many lines carry it (a
    50-line cart of two items costs two reads): a NotFound or other error is remembered like an
    answer. ``read(product, sku, availability)`` is that availability; ``read(product, sku)`` its
    availabilities."""
    answers: dict[tuple, object] = {}

    def read(*key: str):
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

    return read


def _revalidate_with_partner_center(cart: Cart, lines: list[CartLine]) -> None:
    """Read each line's availability again: ids are reissued and terms change.

    A changed id or term is written to the line with a ``change_note`` that the salesperson must
    confirm before the order can be placed.
    """
    read = _availability_reader(get_client(), cart.customer.country)
    changed = False
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
        if _term_gone(line, terms):
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


def _term_gone(line: CartLine, terms: list[str]) -> bool:
    """Partner Center lists terms for the item, and the line's term is not one of them."""
    upper = {t.upper() for t in terms}
    return bool(terms and line.term_duration and line.term_duration.upper() not in upper)


# Price notes stay English: they are found again by this prefix when prices are re-checked.
PRICE_NOTE = "Changed since added: the price"


def _price_notes_of(note: str) -> list[str]:
    return [n for n in (note or "").splitlines() if n.startswith(PRICE_NOTE)]


def _fmt(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return "no price"
    return Money(amount, currency).format(locale="en") if currency else f"{amount:,}"


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
    lines = list(cart.lines.select_related("availability__sku__product").order_by("id"))
    prices: dict[tuple, object] = {}  # one price-sheet read per item, term and cycle
    for line in lines:
        if line.availability is None:
            continue
        key = (line.availability_id, line.term_duration, line.billing_cycle)
        if key not in prices:
            prices[key] = current_price(
                availability=line.availability,
                term_duration=line.term_duration,
                billing_cycle=line.billing_cycle,
            )
        price = prices[key]
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
                    "The order totals %(total)s, at or above the approval threshold of "
                    "%(threshold)s."
                )
                % {
                    "total": Money(totals[code], code).format(),
                    "threshold": Money(threshold, code).format(),
                }
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
    catalog_known = customer_catalog_known(cart.customer)  # once, not once per line
    for line in lines:
        review.groups.setdefault(line.order_group or "?", []).append(line)
        problems: list[str] = []
        if line.availability is not None:
            errors = line_problems(
                customer=cart.customer,
                availability=line.availability,
                data=_line_input(line),
                catalog_known=catalog_known,
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
