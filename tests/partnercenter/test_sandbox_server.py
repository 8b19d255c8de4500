"""The sandbox as a process: persistence across restarts, CLI faults, start-up time at scale."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from partnercenter.sandbox.testing import SandboxServer
from tests.partnercenter.conftest import Api, first_availability, seeded_ids

customer_id, _ = seeded_ids()
CONTOSO = customer_id("contoso")


def test_state_persists_across_restart(tmp_path):
    with SandboxServer(
        tmp_path, faults=[{"kind": "429", "path": "/v1/invoices", "count": 1}]
    ) as server:
        api = Api(server)
        assert api.get("/v1/invoices").status_code == 429  # fault installed from the command line
        avail = first_availability(api, "DG7GMGF0DWTL", "0001", "US")
        line = {"catalogItemId": avail["catalogItemId"], "quantity": 2, "billingCycle": "one_time"}
        cart = api.post(f"/v1/customers/{CONTOSO}/carts", json={"lineItems": [line]}).json()
        order = api.post(f"/v1/customers/{CONTOSO}/carts/{cart['id']}/checkout").json()["orders"][0]
        server.configure(order_list_delay=5)
        server.restart()
        assert (
            api.get(f"/v1/customers/{CONTOSO}/carts/{cart['id']}").json()["status"] == "Ordered"
        )  # old token still valid
        assert (
            api.get(f"/v1/customers/{CONTOSO}/orders/{order['id']}").json()["lineItems"][0][
                "quantity"
            ]
            == 2
        )
        assert server.config()["order_list_delay"] == 5
        assert first_availability(api, "DG7GMGF0DWTL", "0001", "US")["id"] == avail["id"]


def _cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (user + system): unlike the wall clock, it does not
    grow when other processes load the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.slow
def test_catalog_of_50000_skus_starts_quickly(tmp_path):
    with SandboxServer(tmp_path, catalog_size=50_000, log_requests=False) as server:
        elapsed = _cpu_seconds(server.process.pid)
        api = Api(server)
        products = api.get(
            "/v1/products", params={"country": "US", "targetView": "AzureReservationsVM"}
        ).json()
        generated = [
            p for p in products["items"] if p["title"].startswith("Virtual Machines Generated")
        ]
        skus = sum(len(api.get(f"/v1/products/{p['id']}/skus", params={"country": "US"}).json()["items"])
                   for p in products["items"][:5])  # fmt: skip
        assert generated and skus > 100
        assert server._control("GET", "health")["catalog"]["size"] == 50_000
        server.restart()  # the stored catalog is reused, not regenerated
        assert elapsed < 30
