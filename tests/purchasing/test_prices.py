"""Partner cost from the mirrored price sheet (App+User): shown on cart, review and order lines,
recorded on the order as billing's expected price, re-checked at review ("changed since added"),
used by the approval threshold, and reconciled against a real sandbox invoice end to end."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from catalog.models import PriceSheetEntry
from portal.models import AuditEvent
from portal.shared.errors import PortalError
from purchasing.models import Approval, CartLine, Checkout, Order
from purchasing.services.checkout import (
    checkout_confirm_changes,
    checkout_review,
    checkout_submit,
)
from purchasing.services.checkout.review import _price_note, approval_reasons
from tests.purchasing.conftest import SUSE, WINDOWS, add_line, availability_titled

CENT = Decimal("0.01")


@pytest.fixture
def priced(world, pc_user_connection):
    """The world with the US software price sheet mirrored (through ``sync_price_sheets``)."""
    from django.core.management import call_command

    call_command("sync_price_sheets", "--market", "US", "--view", "software")
    return world


def sheet_price(title: str) -> tuple[Decimal, str]:
    """The price Partner Center's own sheet gives (read from the sandbox, not the mirror)."""
    from portal.partner_center.client import get_client

    availability = availability_titled(title)
    sku = availability.sku
    term = availability.terms[0]["duration"] if availability.terms else ""
    for row in get_client().get_price_sheet("US", "software"):
        if (
            row.product_id == sku.product.product_id
            and row.sku_id == sku.sku_id
            and row.term_duration == term
            and row.billing_plan == "OneTime"
        ):
            return row.unit_price, row.currency
    raise AssertionError(f"no sheet row for {title}")


def fmt(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def test_partner_cost_on_cart_review_and_order(priced, sales_user, sales_client):
    unit, currency = sheet_price(SUSE)
    line = add_line(priced["contoso"], sales_user, quantity=2)
    assert (line.unit_price, line.currency) == (unit, currency) == (line.added_unit_price, "USD")
    assert line.price_effective_start is not None and line.price_billing_plan == "OneTime"
    customer = priced["contoso"]

    cart = sales_client.get(f"/cart/{customer.pk}/").content.decode()
    assert fmt(unit) in cart and fmt(unit * 2) in cart
    start = line.price_effective_start
    assert f"effective {start:%b} {start.day}, {start.year}" in cart  # English medium date

    review = sales_client.get(f"/cart/{customer.pk}/review/").content.decode()
    assert (
        fmt(unit * 2) in review
        and "effective" in review
        and 'data-testid="line-change"' not in review
    )

    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user)
    assert checkout.state == Checkout.State.SUBMITTED
    assert checkout.estimated_total == unit * 2 and checkout.currency == "USD"
    order_line = Order.objects.get().lines.get()
    assert order_line.unit_price == unit and order_line.currency == "USD"
    assert order_line.extended_price == unit * 2
    assert order_line.price_effective_start == line.price_effective_start
    assert Order.objects.get().total_price == unit * 2

    page = sales_client.get(f"/orders/{order_line.order_id}/").content.decode()
    assert fmt(unit) in page and fmt(unit * 2) in page and "Expected partner cost" in page
    listing = sales_client.get("/orders/", {"sort": "-total"}).content.decode()
    assert fmt(unit * 2) in listing
    csv = b"".join(sales_client.get("/orders/", {"format": "csv"}).streaming_content).decode()
    assert "expected cost" in csv.splitlines()[0] and str(unit * 2) in csv


def test_no_price_in_the_sheet_is_said_never_invented(priced, sales_user, sales_client):
    availability = availability_titled(WINDOWS)
    PriceSheetEntry.objects.filter(
        product_id=availability.sku.product.product_id, sku_id=availability.sku.sku_id
    ).delete()
    line = add_line(priced["contoso"], sales_user, title=WINDOWS, quantity=8)
    assert line.unit_price is None and line.currency == ""
    customer = priced["contoso"]
    for url in (f"/cart/{customer.pk}/", f"/cart/{customer.pk}/review/"):
        html = sales_client.get(url).content.decode()
        assert "No price in the price sheet" in html, url
    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user)
    assert checkout.state == Checkout.State.SUBMITTED and checkout.estimated_total is None
    order_line = Order.objects.get().lines.get()
    assert order_line.unit_price is None and order_line.extended_price is None
    page = sales_client.get(f"/orders/{order_line.order_id}/").content.decode()
    assert "No price in the price sheet" in page


def test_price_changed_since_added_must_be_confirmed(priced, sales_user, sales_client, sandbox):
    unit, _ = sheet_price(SUSE)
    line = add_line(priced["contoso"], sales_user, quantity=2)
    customer = priced["contoso"]
    # The monthly sheet brings a new price (as the mirror writes it after a sync).
    entry = PriceSheetEntry.objects.get(
        product_id=line.product_id,
        sku_id=line.sku_id,
        term_duration=line.term_duration,
        billing_plan="OneTime",
    )
    new_unit = unit + Decimal("12.50")
    PriceSheetEntry.objects.filter(pk=entry.pk).update(unit_price=new_unit)

    review = checkout_review(cart=line.cart, user=sales_user)
    changed = review.needs_confirmation
    assert [ln.pk for ln in changed] == [line.pk]
    note = changed[0].change_note
    assert f"changed from ${fmt(unit)} USD to ${fmt(new_unit)} USD per unit" in note
    assert changed[0].unit_price == new_unit and changed[0].added_unit_price == unit
    assert review.totals == {"USD": new_unit * 2} and not review.can_place
    html = sales_client.get(f"/cart/{customer.pk}/review/").content.decode()
    assert "Changed since added: the price changed" in html and "Accept changes" in html
    assert AuditEvent.objects.filter(action="cart.price_changed").count() == 1  # not per view

    with pytest.raises(PortalError, match="changed since they were added"):
        checkout_submit(cart_id=line.cart_id, user=sales_user)
    assert sales_client.post(f"/cart/{customer.pk}/review/confirm-changes/").status_code == 302
    confirmed = AuditEvent.objects.get(action="cart.change_confirmed")
    assert fmt(new_unit) in confirmed.details["note"]
    assert checkout_review(cart=line.cart).can_place  # accepted: re-reviewing keeps it accepted

    # A second change (and a reissued catalog id) needs a new confirmation; both are shown.
    PriceSheetEntry.objects.filter(pk=entry.pk).update(unit_price=new_unit + 1)
    sandbox.reissue_catalog_ids()
    review = checkout_review(cart=line.cart, user=sales_user)
    note = review.needs_confirmation[0].change_note
    assert "reissued the catalog item id" in note and fmt(new_unit + 1) in note
    checkout_confirm_changes(cart=line.cart, user=sales_user)
    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user)
    assert checkout.state == Checkout.State.SUBMITTED
    assert Order.objects.get().lines.get().unit_price == new_unit + 1


def test_price_appearing_after_the_line_was_added_is_a_change(priced, sales_user):
    line = add_line(priced["contoso"], sales_user)
    CartLine.objects.filter(pk=line.pk).update(
        added_unit_price=None, added_currency="", unit_price=None, currency=""
    )
    review = checkout_review(cart=line.cart)
    assert "there was no price when the line was added" in review.needs_confirmation[0].change_note


@pytest.mark.parametrize("above", [True, False], ids=["above", "below"])
def test_approval_threshold_per_currency_with_sheet_prices(
    priced, sales_user, sandbox, settings, above
):
    unit, _ = sheet_price(SUSE)
    total = unit * 3
    threshold = total - CENT if above else total + CENT
    settings.PURCHASING_APPROVAL_THRESHOLDS = {"EUR": "1", "USD": str(threshold)}
    line = add_line(priced["contoso"], sales_user, quantity=3)
    review = checkout_review(cart=line.cart)
    assert review.totals == {"USD": total}
    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user)
    assert checkout.estimated_total == total and checkout.currency == "USD"
    if above:
        assert checkout.state == Checkout.State.AWAITING_APPROVAL
        assert sandbox.stats()["checkouts_per_cart"] == {}  # nothing bought yet
        reasons = Approval.objects.get(checkout=checkout).reasons
        assert reasons == [
            f"The order totals ${fmt(total)} USD, at or above the approval threshold of "
            f"${fmt(threshold)} USD."
        ]
    else:
        assert checkout.state == Checkout.State.SUBMITTED and not Approval.objects.exists()


def test_reconciliation_matches_the_recorded_price_end_to_end(
    priced, sales_user, sandbox, settings
):
    """Price sheets synced -> cart -> checkout -> the sandbox bills the orders -> billing import +
    reconcile: the order billed at the sheet price is matched, a perturbed one is an amount
    mismatch with the exact Decimal difference."""
    from billing.models import Invoice, ReconciliationResult
    from billing.services.invoices import invoice_sync_all
    from billing.services.lines import line_import_run, line_import_start
    from billing.services.reconciliation import reconciliation_run

    settings.PARTNER_CENTER_MAX_RETRIES = 0
    suse_unit, _ = sheet_price(SUSE)
    windows_unit, _ = sheet_price(WINDOWS)
    first = add_line(priced["contoso"], sales_user, quantity=2)
    checkout_submit(cart_id=first.cart_id, user=sales_user)
    second = add_line(priced["contoso"], sales_user, title=WINDOWS, quantity=8)
    checkout_submit(cart_id=second.cart_id, user=sales_user)
    matched = Order.objects.get(checkout__cart=first.cart)
    perturbed = Order.objects.get(checkout__cart=second.cart)
    assert perturbed.lines.get().unit_price == windows_unit

    sandbox.advance_clock(60)
    created = sandbox.generate_invoice(
        currency="USD", adjust={perturbed.pc_order_id: {"unit_price_factor": "1.1"}}
    )
    invoice_sync_all(queue_statements=False)
    invoice = Invoice.objects.get(invoice_id=created[0]["id"])
    line_import_run(import_id=line_import_start(invoice=invoice, queue=False).pk)
    reconciliation_run(invoice=invoice)

    results = {r.pc_order_id: r for r in ReconciliationResult.objects.filter(invoice=invoice)}
    ok = results[matched.pc_order_id]
    assert ok.klass == "matched", ok.reason
    assert ok.expected_amount == ok.billed_amount == suse_unit * 2 and ok.difference == 0
    bad = results[perturbed.pc_order_id]
    billed_unit = (windows_unit * Decimal("1.1")).quantize(CENT)
    assert bad.klass == "amount_mismatch"
    assert bad.expected_amount == windows_unit * 8
    assert bad.billed_amount == billed_unit * 8
    assert bad.difference == billed_unit * 8 - windows_unit * 8 and bad.difference > 0
    assert bad.currency == "USD"


@pytest.mark.django_db
def test_approval_reason_formats_money_in_the_readers_locale(settings):
    settings.PURCHASING_APPROVAL_THRESHOLDS = {"USD": "1000", "JPY": "100000"}
    totals = {"USD": Decimal("1234.5"), "JPY": Decimal("250000")}
    with translation.override("en"):
        assert approval_reasons(lines=[], totals=totals) == [
            "The order totals $1,234.50 USD, at or above the approval threshold of $1,000.00 USD.",
            "The order totals ¥250,000 JPY, at or above the approval threshold of ¥100,000 JPY.",
        ]
    with translation.override("zh-hant"):
        assert approval_reasons(lines=[], totals=totals) == [
            "訂單總計 US$1,234.50 USD，已達到或超過核准門檻 US$1,000.00 USD。",  # noqa: RUF001
            "訂單總計 ¥250,000 JPY，已達到或超過核准門檻 ¥100,000 JPY。",  # noqa: RUF001
        ]


def test_price_note_keeps_each_currency_decimals():
    line = SimpleNamespace(added_unit_price=Decimal("1200"), added_currency="JPY")
    price = SimpleNamespace(unit_price=Decimal("1234.5"), currency="JPY", effective_start=None)
    with translation.override("zh-hant"):  # notes are stored English whoever reads the page
        note = _price_note(line, price)
    assert note == "Changed since added: the price changed from ¥1,200 JPY to ¥1,235 JPY per unit."
