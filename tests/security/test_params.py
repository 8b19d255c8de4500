"""Query and form parameters go through ``portal.shared.params``: a bad value gives a clear message and
the page as it was, never a 500 (on SQLite and PostgreSQL). Covers what a probing user found:
reconciliation tolerances 1e40/NaN/sNaN/Infinity, periods 0000-05 and 9999-12, the date
2024-02-30, NUL bytes in search, filter and path parameters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from portal.shared.params import ParamError, Params, parse_day, parse_decimal, parse_month

pytestmark = pytest.mark.django_db


def _client(world, role):
    client = Client(raise_request_exception=False)
    client.force_login(world["users"][role])
    return client


def _text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("value", ["1e40", "NaN", "sNaN", "Infinity", "-Infinity", "-1",
                                   "0.0000001", "1000001", "1e3", "0x10", "1\x00"])  # fmt: skip
def test_parse_decimal_refuses_what_cannot_be_stored(value):
    with pytest.raises(ParamError):
        parse_decimal(value, label="Tolerance", minimum=Decimal(0), maximum=Decimal(10**6))


def test_parse_decimal_accepts_plain_numbers():
    bounds = {"label": "T", "minimum": Decimal(0), "maximum": Decimal(10**6)}
    assert parse_decimal(" 0.01 ", **bounds) == Decimal("0.01")
    assert parse_decimal("5", **bounds) == Decimal(5)


@pytest.mark.parametrize("value", ["0000-05", "9999-12", "2024-13", "2024-00", "24-05", "x"])
def test_parse_month_refuses(value):
    with pytest.raises(ParamError):
        parse_month(value, label="Period")


@pytest.mark.parametrize("value", ["2024-02-30", "0000-01-01", "9999-12-31", "2024-2-3"])
def test_parse_day_refuses(value):
    with pytest.raises(ParamError):
        parse_day(value, label="From")


def test_params_collect_errors_and_read_as_not_given():
    p = Params({"q": "a\x00b", "n": "\u0663", "id": "9" * 30, "ok": "7"})
    assert p.text("q") == "" and p.integer("n") is None and p.object_id("id") is None
    assert p.object_id("ok") == 7
    assert len(p.errors) == 3


BAD_TOLERANCES = ["1e40", "NaN", "sNaN", "Infinity", "-1", "1" * 30]


def test_bad_tolerance_is_refused_and_finance_pages_stay_up(world):
    from billing.models import ReconciliationRun

    client = _client(world, "finance")
    invoice = world["invoice"]
    base = f"/billing/invoices/{invoice.invoice_id}"
    for value in BAD_TOLERANCES:
        response = client.post(f"{base}/reconciliation/run/", {"tolerance": value}, follow=True)
        assert response.status_code == 200, value
        assert "tolerance" in _text(response).lower(), value
    assert not ReconciliationRun.objects.exists()
    for url in ("/billing/", "/billing/invoices/", "/billing/reconciliation/", f"{base}/",
                f"{base}/reconciliation/"):  # fmt: skip
        assert client.get(url).status_code == 200, url


def test_a_stored_tolerance_out_of_range_is_refused_by_the_database(world):
    from billing.models import ReconciliationRun

    run = ReconciliationRun.objects.create(
        invoice=world["invoice"], ran_at=world["invoice"].invoice_date, tolerance=Decimal("0.01")
    )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_reconciliationrun SET tolerance = 1e40 WHERE id = %s", [run.pk]
        )
    run.refresh_from_db()
    client = _client(world, "finance")
    assert client.get("/billing/invoices/").status_code == 200


def test_reconcile_service_refuses_non_finite_tolerance(world):
    from billing.services.reconciliation import reconciliation_run
    from portal.shared.errors import PortalError

    for value in (Decimal("NaN"), Decimal("1e40"), Decimal("Infinity")):
        with pytest.raises(PortalError):
            reconciliation_run(invoice=world["invoice"], tolerance=value)


@pytest.mark.parametrize("period", ["0000-05", "9999-12", "2024-13", "abcd"])
@pytest.mark.parametrize("url", ["/billing/invoices/", "/billing/reconciliation/"])
def test_bad_period_gives_a_message(world, url, period):
    response = _client(world, "finance").get(url, {"period": period})
    assert response.status_code == 200
    assert "period" in _text(response).lower()
    if url == "/billing/invoices/":
        assert world["invoice"].invoice_id in _text(response)  # the page as it was: unfiltered


@pytest.mark.parametrize("key", ["from", "to"])
def test_impossible_date_on_orders_gives_a_message(world, key):
    response = _client(world, "sales").get("/orders/", {key: "2024-02-30"})
    assert response.status_code == 200
    assert "2024-02-30 is not a day of the calendar" in _text(response)
    assert world["order"].pc_order_id in _text(response)


def _nul_urls(world):
    inv = world["invoice"].invoice_id
    return [
        ("sales", "/customers/", {"q": "a\x00b"}),
        ("sales", "/orders/", {"q": "a\x00b"}),
        ("sales", "/orders/", {"customer": "1\x00"}),
        ("finance", "/billing/invoices/", {"q": "G\x00"}),
        ("finance", "/billing/invoices/", {"currency": "U\x00D"}),
        ("sales", "/customers/registrations/", {"q": "\x00"}),
        ("sales", "/sync-status/a\x00b/", {}),
        ("sales", "/catalog/", {"q": "a\x00"}),
        ("sales", "/catalog/DG7\x00/", {}),
        ("sales", f"/catalog/{world['product'].product_id}/00\x0001/", {}),
        ("finance", f"/billing/invoices/{inv}\x00/", {}),
        ("finance", f"/billing/invoices/{inv}/", {"q": "\x00", "customer": "\x00"}),
        ("finance", f"/billing/invoices/{inv}/reconciliation/", {"q": "\x00"}),
        ("sales", "/entitlements/", {"expiring": "3\x00"}),
        ("admin", "/audit/", {"actor": "\x00", "action": "\x00"}),
    ]


def test_nul_bytes_never_500(world):
    for role, url, params in _nul_urls(world):
        response = _client(world, role).get(url, params)
        assert response.status_code in (200, 404), (url, params, response.status_code)


def test_nul_in_a_note_is_refused_with_a_message(world):
    from billing.models import ReconciliationNote

    inv = world["invoice"].invoice_id
    url = f"/billing/invoices/{inv}/reconciliation/{world['result'].pk}/note/"
    response = _client(world, "finance").post(url, {"text": "a\x00b"}, follow=True)
    assert response.status_code == 200 and "NUL" in _text(response)
    assert not ReconciliationNote.objects.exists()
