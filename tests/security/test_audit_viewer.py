"""The audit log viewer (admins): filters by user, customer, kind (action prefix) and date; CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(world):
    from portal.shared.audit import audit_record

    users, a, b = world["users"], world["a"], world["b"]
    audit_record(actor=users["sales"], action="cart.line_added", obj=world["line_a"], customer=a,
                 summary="Added 2 x Security test SKU", quantity=2)  # fmt: skip
    audit_record(actor=users["sales2"], action="checkout.submitted", obj=world["checkout"],
                 customer=b, summary="Checkout of Beta")  # fmt: skip
    audit_record(actor=users["finance"], action="approval.decided", customer=a,
                 summary="Approved, \"quoted\", comma")  # fmt: skip
    forty_days_ago = timezone.now() - timedelta(days=40)
    with mock.patch("django.utils.timezone.now", return_value=forty_days_ago):
        audit_record(actor=None, action="registration.started", customer=a, summary="old one")
    return world


def _admin(world):
    client = Client()
    client.force_login(world["users"]["admin"])
    return client


def _summaries(response) -> set[str]:
    return {e.summary for e in response.context["page_obj"].object_list}


def test_filters(events):
    client = _admin(events)
    everything = client.get("/audit/")
    assert everything.status_code == 200 and len(_summaries(everything)) == 4
    assert _summaries(client.get("/audit/", {"actor": "sue"})) == {"Checkout of Beta"}
    assert _summaries(client.get("/audit/", {"action": "cart."})) == {"Added 2 x Security test SKU"}
    by_customer = client.get("/audit/", {"customer": events["b"].pk})
    assert _summaries(by_customer) == {"Checkout of Beta"}
    today = timezone.now().date()
    recent = client.get("/audit/", {"since": (today - timedelta(days=7)).isoformat()})
    assert "old one" not in _summaries(recent) and len(_summaries(recent)) == 3
    older = client.get("/audit/", {"until": (today - timedelta(days=30)).isoformat()})
    assert _summaries(older) == {"old one"}
    combined = client.get("/audit/", {"actor": "fin", "customer": events["a"].pk})
    assert _summaries(combined) == {'Approved, "quoted", comma'}
    # A bad filter value is a message on the page, not a 500 and not a silent full list.
    bad = client.get("/audit/", {"since": "2026-02-30", "customer": "abc"})
    assert bad.status_code == 200
    assert bad.context["form"].errors


def test_csv_export_respects_filters_and_quotes(events):
    response = _admin(events).get("/audit/", {"format": "csv", "customer": events["a"].pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [
        "time_utc", "user", "action", "object_type", "object_id", "customer", "summary"
    ]  # fmt: skip
    body = rows[1:]
    assert len(body) == 3 and {r[5] for r in body} == {"Alpha US"}
    assert body[[r[2] for r in body].index("approval.decided")][1:3] == ["fin", "approval.decided"]
    assert 'Approved, "quoted", comma' in [r[6] for r in body]
    assert "system" in [r[1] for r in body]
    assert all(r[0].endswith("+00:00") for r in body)


def test_viewer_is_for_admins_only(events):
    for key in ("sales", "finance", "none"):
        client = Client()
        client.force_login(events["users"][key])
        assert client.get("/audit/").status_code == 403
        assert client.get("/audit/", {"format": "csv"}).status_code == 403
