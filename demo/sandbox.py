"""The few calls the demo makes to the local sandbox's control endpoint (``/_sandbox/``): orders
placed outside the portal, invoices, the sandbox clock and settings. Demo only."""

from __future__ import annotations

from typing import Any

import requests

from portal.shared.errors import PortalError


class SandboxControl:
    def __init__(self, api_url: str) -> None:
        self.base_url = f"{api_url.rstrip('/')}/_sandbox"
        self.http = requests.Session()
        self.http.trust_env = False

    def _call(self, method: str, path: str, body: dict | None = None) -> Any:
        answer = self.http.request(method, f"{self.base_url}/{path}", json=body, timeout=30)
        if not answer.ok:
            raise PortalError(
                f"The sandbox refused {method} /_sandbox/{path}: {answer.status_code} "
                f"{answer.text[:200]}",
                code="demo_sandbox",
            )
        return answer.json()

    def settings(self) -> dict:
        return self._call("GET", "config")

    def configure(self, **values) -> dict:
        return self._call("POST", "config", values)

    def external_order(self, customer_id: str, line_items: list[dict]) -> dict:
        """An order placed in Partner Center directly (not through the portal)."""
        body = {"customer_id": customer_id, "line_items": line_items, "billing_cycle": "one_time"}
        return self._call("POST", "external-orders", body)

    def advance_clock(self, seconds: float) -> float:
        return self._call("POST", "clock", {"advance_seconds": seconds})["now"]

    def bill(self, **options) -> list[dict]:
        """Bill completed, uninvoiced orders (one invoice per currency); the new invoices."""
        return self._call("POST", "invoices", options)["invoices"]
