"""The line import's fast path (``line_rows_fast``) against its plain reference (``line_rows``):
the same rows, the same refusals, for generated pages; and memory bounded when the database is
slower than Partner Center."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.services import line_rows, line_rows_fast
from partnercenter.errors import InvalidResponse
from partnercenter.models.billing import LineItemPage, parse_line_item

BASE = {
    "customerId": "0f5e5b2c-4a0d-4a9e-9c41-2b7c7f0c1a11", "customerName": "Contoso Ltd",
    "customerDomainName": "contoso.onmicrosoft.com", "customerCountry": "US",
    "orderId": "4c1f7c1f0a6b4b8f9d9e3e9b2f1c7a2d1", "orderDate": "2024-03-05T10:20:30.1234560Z",
    "productId": "DZH318Z0BQ3Q", "skuId": "0001", "availabilityId": "DZH318Z0BQ3R",
    "productName": "Reserved VM Instance", "skuName": "Reserved VM Instance, Standard_D2s_v3",
    "chargeType": "new", "unitPrice": "690.00", "effectiveUnitPrice": "655.50", "quantity": "2",
    "subtotal": "1311.00", "taxTotal": "95.05", "totalForCustomer": "1406.05", "currency": "USD",
    "pricingCurrency": "USD", "pcToBCExchangeRate": "1",
    "subscriptionId": "8a0e3f4c-5b6d-4e7f-8a9b-0c1d2e3f4a5b", "reservationOrderId": "",
    "termAndBillingCycle": "1 Year Subscription", "chargeStartDate": "2024-03-05T00:00:00Z",
    "chargeEndDate": "2025-03-04T00:00:00Z", "publisherName": "Microsoft Corporation",
    "referenceId": "1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809", "billingProvider": "one_time",
}  # fmt: skip
STR_KEYS = [k for k in BASE if k not in {"orderDate", "chargeStartDate", "chargeEndDate"}]
DEC_KEYS = ["unitPrice", "effectiveUnitPrice", "quantity", "subtotal", "taxTotal",
            "totalForCustomer", "pcToBCExchangeRate"]  # fmt: skip
DT_KEYS = ["orderDate", "chargeStartDate", "chargeEndDate"]

zones = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))])
datetimes = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=zones
)
dates = st.one_of(
    datetimes.map(lambda d: d.isoformat()),
    datetimes.map(lambda d: d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")),
    datetimes.map(lambda d: d.strftime("%Y-%m-%d")),
    st.sampled_from(["0001-01-01T00:00:00", "", None, "not a date", 20240305]),
)
money = st.one_of(
    st.decimals(min_value=-(10**9), max_value=10**9, places=6).map(str),
    st.decimals(min_value=0, max_value=10**6, places=2).map(str),
    st.integers(-(10**6), 10**6),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.sampled_from(["", None, "twelve", "1e3", " 5 ", "007.50", "+5", "-0.00", "0.0000001",
                     "0.000000", "0.0000000", "12.", ".5", "1_000"]),
)  # fmt: skip
texts = st.one_of(st.text(max_size=30), st.none(), st.integers(), st.sampled_from(["", "  "]))
MISSING = object()


@st.composite
def line_items(draw):
    item = dict(BASE)
    changes = draw(st.dictionaries(st.sampled_from(STR_KEYS + DEC_KEYS + DT_KEYS),
                                   st.just(None), max_size=6))  # fmt: skip
    for key in changes:
        strategy = money if key in DEC_KEYS else dates if key in DT_KEYS else texts
        if key == "billingProvider":
            strategy = st.sampled_from(["one_time", "OneTime", "office", "azure", None, "all"])
        value = draw(st.one_of(st.just(MISSING), strategy))
        if value is MISSING:
            item.pop(key)
        else:
            item[key] = value
    return item


def outcome(make_rows):
    """The rows, or the refusal (type and sentence) a line caused."""
    try:
        return "rows", make_rows()
    except InvalidResponse as exc:
        return "refused", str(exc)


def reference_rows(pages):
    parsed = [LineItemPage([parse_line_item(i) for i in p], f"t{n}") for n, p in enumerate(pages)]
    return list(line_rows.row_pages(parsed, invoice_pk=7, provider="onetime",
                                    line_type="billinglineitems", first_sequence=40))  # fmt: skip


def fast_rows(pages):
    raw = [LineItemPage(p, f"t{n}") for n, p in enumerate(pages)]
    return list(line_rows_fast.row_pages(raw, invoice_pk=7, provider="onetime",
                                         line_type="billinglineitems", first_sequence=40))  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(line_items(), max_size=6), min_size=1, max_size=4))
def test_fast_and_plain_paths_make_the_same_rows(pages):
    assert outcome(lambda: fast_rows(pages)) == outcome(lambda: reference_rows(pages))


def test_the_paths_number_rows_across_pages_and_carry_each_token():
    pages = [[BASE] * 3, [], [BASE] * 2]
    rows = fast_rows(pages)
    assert rows == reference_rows(pages)
    assert [[row[3] for row in page.rows] for page in rows] == [[40, 41, 42], [], [43, 44]]
    assert [page.continuation_token for page in rows] == ["t0", "t1", "t2"]


def test_a_slow_database_holds_the_helper_thread_back():
    """Partner Center faster than the database: at most ``depth`` converted pages wait (plus the
    one the helper thread is making), not the whole invoice."""
    made, taken, most_ahead = 0, 0, 0
    taken_event = threading.Event()

    def pages():
        nonlocal made
        for _ in range(30):
            made += 1
            yield LineItemPage([dict(BASE)] * 200, "t")

    for _page in line_rows_fast.row_pages(pages(), invoice_pk=1, provider="onetime",
                                          line_type="billinglineitems", first_sequence=0, depth=2):  # fmt: skip
        taken += 1
        taken_event.wait(0.02)  # the database writing this page, slower than the network
        most_ahead = max(most_ahead, made - taken)
    assert taken == 30
    assert most_ahead <= 2 + 1


def test_the_adapters_caches_stay_small_on_lines_that_never_repeat():
    adapt = line_rows_fast.raw_row_adapter()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for n in range(3 * line_rows_fast.CACHE_SIZE):
        item = dict(
            BASE,
            orderDate=(start + timedelta(seconds=n)).isoformat(),
            subtotal=f" {n}.{n % 100:02d}",
        )  # fmt: skip (spaces: not plain, so cached)
        adapt(1, "onetime", "billinglineitems", n, item)
    assert all(0 < len(cache) <= line_rows_fast.CACHE_SIZE for cache in adapt.caches)


def test_an_error_in_the_helper_thread_reaches_the_import():
    def pages():
        yield LineItemPage([BASE], "t0")
        raise InvalidResponse("Partner Center returned something that is not JSON")

    rows = line_rows_fast.row_pages(pages(), invoice_pk=1, provider="onetime",
                                    line_type="billinglineitems", first_sequence=0)  # fmt: skip
    assert len(next(rows).rows) == 1
    with pytest.raises(InvalidResponse, match="not JSON"):
        next(rows)


def test_both_paths_fit_their_rows_to_the_columns():
    """Over-long display text is cut, a line with an over-long code is left out (not the page)."""
    pages = [[dict(BASE, termAndBillingCycle="x" * 200), dict(BASE, currency="US DOLLARS"), BASE]]
    term = line_rows.ALL_COLUMNS.index("term_and_billing_cycle")
    for rows in (fast_rows(pages), reference_rows(pages)):
        kept = rows[0].rows
        assert [row[3] for row in kept] == [40, 42]
        assert kept[0][term] == "x" * 128 and kept[1][term] == "1 Year Subscription"
