"""Sandbox settings: defaults, CLI overrides and run-time changes through ``/_sandbox/config``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

DEFAULT_CLIENT_ID = "portal-demo-client"
DEFAULT_CLIENT_SECRET = "portal-demo-secret"
DEFAULT_TENANT_ID = "8f6e6b8e-3c1d-4b43-9d7e-5a7c0e2b1a10"


@dataclass
class Settings:
    """Everything that shapes the sandbox's behaviour. Times are in seconds of the sandbox clock."""

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    tenant_id: str = DEFAULT_TENANT_ID
    seed: int = 1
    catalog_size: int = 0  # total SKUs; 0 = the hand-written catalog only
    invoice_lines: int = 0  # line items of the generated large invoice; 0 = none
    invoice_count: int = 1  # generated invoices of invoice_lines lines each (G9..., G8..., ...)
    invoice_customers: int = 5000  # customers buying on the generated invoice
    customers: int = 0  # generated customers besides the seeded ones (US, no subscriptions)
    invoice_products: int = 400  # products sold on the generated invoice
    page_cache: str = ""  # directory keeping generated invoices' encoded pages (page_cache.py)
    order_list_delay: float = 60.0  # new orders show in order lists only after this
    registration_delay: float = 30.0  # Registering -> Registered
    order_completion_delay: float = 30.0  # one-time orders: pending -> completed
    subscription_provisioning_delay: float = 30.0  # software subscriptions: after completion
    cart_ttl: float = 7 * 24 * 3600.0  # carts expire this long after their last change
    checkout_processing_delay: float = 0.0  # time a checkout holds the cart (to provoke 409s)
    access_token_lifetime: int = 3600
    latency_ms: float = 0.0  # added to every /v1 request
    request_budget_rate: float = 0.0  # requests per second the partner may make; 0 = no budget
    request_budget_burst: int = 10  # requests the partner may make at once (see throttle.py)
    failing_catalog_items: list[str] = field(default_factory=list)  # id or "product[:sku]" prefixes
    order_failure_probability: float = 0.0
    inventory_restrictions: list[dict] = field(default_factory=list)  # see catalog.restriction_for
    log_requests: bool = True

    # Settings that only make sense at start-up (they shape generated data).
    STARTUP_ONLY = ("catalog_size", "invoice_lines", "invoice_count", "invoice_customers",
                    "invoice_products", "customers", "seed", "tenant_id")  # fmt: skip

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def update(self, values: dict) -> list[str]:
        """Apply known keys (type-coerced); returns the unknown keys, which are ignored."""
        unknown = []
        types = {f.name: f.type for f in dataclasses.fields(self)}
        for key, value in values.items():
            if key not in types:
                unknown.append(key)
                continue
            current = getattr(self, key)
            if isinstance(current, bool):
                value = (
                    value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
                )
            elif isinstance(current, int) and not isinstance(current, bool):
                value = int(value)
            elif isinstance(current, float):
                value = float(value)
            elif isinstance(current, list):
                value = list(value)
            setattr(self, key, value)
        return unknown
