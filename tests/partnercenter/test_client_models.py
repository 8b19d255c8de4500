"""Parsing the contract's documented JSON examples into typed models (no Django, no network)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from partnercenter import drift
from partnercenter.models import (
    Availability,
    BillingCycle,
    BillingProvider,
    Cart,
    CartCheckoutResult,
    CartLineItem,
    CartStatus,
    Customer,
    DocumentType,
    Entitlement,
    EntitlementType,
    InventoryItem,
    Invoice,
    InvoiceSummary,
    InvoiceType,
    OneTimeInvoiceLineItem,
    Order,
    OrderLineItemProvisioningStatus,
    OrderStatus,
    Product,
    ProvisioningStatus,
    RegistrationState,
    RegistrationStatus,
    RelationshipToPartner,
    ReservedInstanceDetails,
    Sku,
    Subscription,
    SubscriptionStatus,
)
from partnercenter.models._base import parse_datetime, parse_decimal
from partnercenter.models.billing import parse_line_item
from partnercenter.models.pricesheet import iter_price_sheet
from partnercenter.paging import parse_page

EXAMPLES = json.loads((Path(__file__).parent / "client_examples.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _clean_drift():
    drift.reset()
    yield
    drift.reset()


def test_registration_status_casing():
    status = RegistrationStatus.from_json(EXAMPLES["registration_status"])
    assert status.status is RegistrationState.NOT_REGISTERED
    assert RegistrationStatus.from_json({"status": "registered"}).is_registered
    assert drift.report() == {}


def test_product_sku_availability():
    product = Product.from_json(EXAMPLES["product"])
    assert product.product_type.sub_type.id == "VirtualMachines"
    assert product.links["skus"].uri == "/products/DZH318Z0BQ3Q/skus?country=US"

    sku = Sku.from_json(EXAMPLES["sku"])
    assert sku.supported_billing_cycles == [BillingCycle.ONE_TIME]
    assert sku.needs_registration and sku.needs_inventory_check
    assert sku.dynamic_attributes["armRegionName"] == "westus2"
    assert sku.maximum_quantity == 999999999

    availability = Availability.from_json(EXAMPLES["availability"])
    assert availability.catalog_item_id == "DZH318Z0BQ3Q:0001:DZH318XZXPHL"
    assert availability.default_currency.code == "USD"
    assert availability.terms[0].duration == "P1Y"
    # the resource table calls defaultCurrency a string
    assert Availability.from_json({"defaultCurrency": "EUR"}).default_currency.code == "EUR"


def test_inventory_response_is_bare_array():
    items = [InventoryItem.from_json(i) for i in EXAMPLES["inventory_response"]]
    assert items[0].is_restricted and items[0].restrictions[0].properties["values"] == "japanwest"
    assert items[1].restrictions == []


def test_cart_and_checkout():
    cart = Cart.from_json(EXAMPLES["cart"])
    assert cart.status is CartStatus.ACTIVE
    assert cart.creation_timestamp == datetime(2019, 1, 16, 0, 45, 41, 606299, tzinfo=UTC)
    assert cart.line_items[1].provisioning_context["scope"] == "shared"
    assert cart.line_items[0].order_group == "OMS-0"

    result = CartCheckoutResult.from_json(EXAMPLES["checkout_result"])
    assert [o.status for o in result.orders] == [OrderStatus.COMPLETED, OrderStatus.PENDING]
    assert result.orders[0].creation_date.tzinfo is not None
    assert result.orders[1].billing_cycle is BillingCycle.ONE_TIME
    assert result.order_errors == []


def test_cart_line_item_request_form():
    request = EXAMPLES["create_cart_request"]["lineItems"][1]
    line = CartLineItem.from_json(request)
    body = line.to_json()
    assert body == request


def test_order_and_provisioning():
    order = Order.from_json(EXAMPLES["order"])
    assert order.links["provisioningStatus"].uri.endswith("/provisioningstatus")
    assert order.line_items[0].links["sku"].uri.startswith("/products/")
    page = parse_page(EXAMPLES["order_provisioning_status"], "test")
    status = OrderLineItemProvisioningStatus.from_json(page.items[0])
    assert status.status is ProvisioningStatus.FULFILLED
    assert status.quantity_provisioning_information[0].quantity == 1


def test_entitlements_and_reservations():
    page = parse_page(EXAMPLES["entitlements"], "test")
    ri, software = (Entitlement.from_json(i) for i in page.items)
    assert ri.entitlement_type is EntitlementType.RESERVED_INSTANCE
    assert ri.entitled_artifacts[0].link.uri.startswith("/customers/")
    assert ri.reference_order.line_item_id == "0"
    assert software.included_entitlements[0].entitlement_type is EntitlementType.SOFTWARE
    assert software.expiry_date == datetime(2022, 1, 28, tzinfo=UTC)

    details = ReservedInstanceDetails.from_json(EXAMPLES["reservation_details"])
    assert details.reservations[0].expiry_date_time == datetime(2019, 2, 23, tzinfo=UTC)
    legacy = ReservedInstanceDetails.from_json(
        {"virtualMachineReservations": EXAMPLES["reservation_details"]["reservations"]}
    )
    assert legacy.reservations[0].reservation_id == details.reservations[0].reservation_id


def test_invoice_summary_sentinel_and_money():
    summary = InvoiceSummary.from_json(EXAMPLES["invoice_summary"])
    assert summary.balance_amount == Decimal("751094.39")
    assert isinstance(summary.last_payment_amount, Decimal)
    assert summary.accounting_date == datetime(2018, 3, 16, tzinfo=UTC)  # no zone -> UTC
    recurring = summary.details[0]
    assert recurring.invoice_type is InvoiceType.RECURRING
    assert recurring.summary.latest_invoice_date is None  # 0001-01-01 sentinel
    assert summary.details[1].invoice_type is InvoiceType.ONE_TIME


def test_invoice():
    invoice = Invoice.from_json(EXAMPLES["invoice"])
    assert invoice.total_charges == Decimal(586366)
    assert invoice.document_type is DocumentType.VOID_NOTE
    assert invoice.invoice_details[0].billing_provider is BillingProvider.ONE_TIME
    assert invoice.amendments[0].document_type is DocumentType.ADJUSTMENT_NOTE
    assert invoice.amendments[0].total_charges == Decimal("107661.12")


def test_onetime_line_item_numbers_as_strings():
    item = parse_line_item(EXAMPLES["onetime_line_item"])
    assert isinstance(item, OneTimeInvoiceLineItem)
    assert item.unit_price == Decimal("16") and item.effective_unit_price == Decimal("14.4")
    assert item.quantity == Decimal(50) and item.total_for_customer == Decimal(793)
    assert item.pc_to_bc_exchange_rate == Decimal(1)
    assert item.order_date == datetime(2021, 5, 20, 18, 48, 30, 616828, tzinfo=UTC)
    assert item.reseller_mpn_id == "0"


def test_seek_collection_envelope():
    page = parse_page(EXAMPLES["seek_collection"], "test")
    assert page.next_uri.endswith("seekOperation=Next")
    assert page.continuation_token.startswith("d19617b8")


def test_customers_and_subscriptions():
    page = parse_page(EXAMPLES["customers"], "test")
    customers = [Customer.from_json(i) for i in page.items]
    assert customers[0].company_profile.domain == "contoso.onmicrosoft.com"
    assert customers[0].relationship_to_partner is RelationshipToPartner.RESELLER
    assert page.next_uri is None
    customer = Customer.from_json(EXAMPLES["customer"])
    assert customer.billing_profile.default_address.country == "US"
    assert customer.billing_profile.culture == "en-US"

    sub = Subscription.from_json(EXAMPLES["subscription"])
    assert sub.status is SubscriptionStatus.ACTIVE
    assert sub.creation_date == datetime(2021, 3, 1, 17, 42, 13, tzinfo=UTC)
    assert sub.billing_cycle is BillingCycle.MONTHLY


def test_unknown_fields_kept_in_raw_and_ignored():
    data = dict(EXAMPLES["order"], brandNewField={"x": 1}, anotherOne=[1, 2])
    order = Order.from_json(data)
    assert order.raw["brandNewField"] == {"x": 1}
    assert order.id == EXAMPLES["order"]["id"]


def test_unknown_enum_kept_and_reported_once(caplog):
    caplog.set_level(logging.WARNING, logger="partnercenter.drift")
    for _ in range(3):
        order = Order.from_json({"id": "1", "status": "partiallyShipped"})
        assert order.status == "partiallyShipped" and not isinstance(order.status, OrderStatus)
    assert drift.report() == {("Order.status", "partiallyShipped"): 3}
    warnings = [r for r in caplog.records if "partiallyShipped" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-01-16T00:45:41.6062996Z", datetime(2019, 1, 16, 0, 45, 41, 606299, tzinfo=UTC)),
        ("2019-01-16T00:48:44.76+00:00", datetime(2019, 1, 16, 0, 48, 44, 760000, tzinfo=UTC)),
        ("2018-03-16T00:00:00", datetime(2018, 3, 16, tzinfo=UTC)),
        ("2018-03-16T00:00:00-08:00", datetime(2018, 3, 16, 8, tzinfo=UTC)),
        ("2022-01-28", datetime(2022, 1, 28, tzinfo=UTC)),
        ("0001-01-01T00:00:00", None),
        ("0001-01-01T00:00:00Z", None),
        ("", None),
        (None, None),
    ],
)
def test_datetimes(text, expected):
    assert parse_datetime(text) == expected


def test_unparseable_date_is_drift_not_crash():
    assert parse_datetime("2018-02-01T…Z", "Invoice.billing_period_start_date") is None
    assert (
        "Invoice.billing_period_start_date (unparseable date)",
        "2018-02-01T…Z",
    ) in drift.report()


@pytest.mark.parametrize("value", ["16", 16, 16.0, "16.00"])
def test_decimals_from_numbers_and_strings(value):
    assert parse_decimal(value) == Decimal(16)


def test_price_sheet_csv_streamed():
    text = (
        '\ufeff"ProductTitle","ProductId","SkuId","SkuTitle","Publisher","SkuDescription","UnitOfMeasure",'
        '"TermDuration","BillingPlan","Market","Currency","UnitPrice","PricingTierRangeMin",'
        '"PricingTierRangeMax","EffectiveStartDate","EffectiveEndDate","Tags","ERP Price"\r\n'
        '"Advanced Communications","CFQ7TTC0HDK0","0001","Advanced Communications","Microsoft Corporation",'
        '"Advanced meetings, calling,\nworkflow","","P1Y","Annual","US","USD","115.2","","",'
        '"2/1/2019 12:00:00 AM","2/4/2021 8:35:31 PM","License","144"\r\n'
    ).encode()
    chunks = [text[i : i + 17] for i in range(0, len(text), 17)]
    (row,) = list(iter_price_sheet(chunks))
    assert row.product_id == "CFQ7TTC0HDK0" and row.billing_plan == "Annual"
    assert row.unit_price == Decimal("115.2") and row.erp_price == Decimal(144)
    assert row.tier_min is None
    assert row.effective_start == datetime(2019, 2, 1, tzinfo=UTC)
    assert row.effective_end == datetime(2021, 2, 4, 20, 35, 31, tzinfo=UTC)
    assert row.sku_description == "Advanced meetings, calling,\nworkflow"
    assert row.raw["Tags"] == "License"
