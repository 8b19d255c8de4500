"""A job's status (``/sync-status/<kind>/``) is readable only by the roles of the job's area: it
can name objects and carry Partner Center's error text. Sales used to read
``invoice_lines:<invoice id>``, which confirmed invoice ids and showed finance's errors. Other
roles get 404, as for a job that does not exist."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import _make_user

pytestmark = pytest.mark.django_db

# kind -> roles that see it (the roles of the pages that show that job)
EXPECTED = {
    "customers": {"admin", "sales"},
    "subscriptions:8f3a0000-0000-4000-8000-000000000001": {"admin", "sales"},
    "fetch:customer:8f3a0000-0000-4000-8000-000000000001": {"admin", "sales"},
    "catalog:US": {"admin", "sales"},
    "pricesheets": {"admin"},
    "orders": {"sales", "finance"},
    "orders:7:one_time": {"sales", "finance"},
    "entitlements": {"sales", "finance"},
    "provisioning:12": {"sales", "finance"},
    "fetch:order:ORD-1": {"sales", "finance"},
    "invoices": {"finance"},
    "billing:balances": {"finance"},
    "invoice_lines:G000SEC1": {"finance"},
    "fetch:invoice:G000SEC1": {"finance"},
    "heartbeat": {"admin"},
    "something-new": {"admin"},
}


@pytest.fixture
def clients():
    out = {}
    for role in ("sales", "finance", "admin"):
        client = Client()
        client.force_login(_make_user(f"job-{role}", [role]))
        out[role] = client
    return out


def test_job_status_by_role(clients):
    from portal.models import SyncState

    now = timezone.now()
    for kind in EXPECTED:
        SyncState.objects.create(kind=kind, last_error=f"secret error of {kind}", last_error_at=now)
    for kind, allowed in EXPECTED.items():
        for role, client in clients.items():
            response = client.get(f"/sync-status/{kind}/")
            text = response.content.decode()
            if role in allowed:
                assert response.status_code == 200, (kind, role)
                assert f"secret error of {kind}" in text, (kind, role)
            else:
                assert response.status_code == 404, (kind, role, response.status_code)
                assert "secret error" not in text, (kind, role)


def test_sales_cannot_probe_invoice_ids(clients):
    # Same answer whether the invoice's job exists or not: nothing is confirmed.
    from portal.models import SyncState

    SyncState.objects.create(kind="invoice_lines:G000REAL")
    real = clients["sales"].get("/sync-status/invoice_lines:G000REAL/")
    fake = clients["sales"].get("/sync-status/invoice_lines:G000FAKE/")
    assert real.status_code == fake.status_code == 404
