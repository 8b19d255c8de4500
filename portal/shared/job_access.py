"""Who may read a job's status (``SyncState`` kind), by the area the job belongs to.

A job's status can name objects and carry Partner Center's error text, so ``/sync-status/<kind>/``
answers only the roles of the pages that show that job (others get 404): sales cannot read an invoice line import
(``invoice_lines:<invoice id>``), finance cannot read a catalog sync. A kind not listed here is
for admins only.
"""

from __future__ import annotations

from portal.shared.roles import Role

# (kind, or prefix ending with ":") -> roles; the first match wins.
JOB_AREAS: tuple[tuple[str, frozenset[Role]], ...] = (
    ("customers", frozenset({Role.ADMIN, Role.SALES})),
    ("subscriptions:", frozenset({Role.ADMIN, Role.SALES})),
    ("fetch:customer:", frozenset({Role.ADMIN, Role.SALES})),
    ("fetch:subscription:", frozenset({Role.ADMIN, Role.SALES})),
    ("catalog:", frozenset({Role.ADMIN, Role.SALES})),
    ("pricesheets", frozenset({Role.ADMIN})),
    ("orders", frozenset({Role.SALES, Role.FINANCE})),
    ("orders:", frozenset({Role.SALES, Role.FINANCE})),
    ("entitlements", frozenset({Role.SALES, Role.FINANCE})),
    ("provisioning:", frozenset({Role.SALES, Role.FINANCE})),
    ("fetch:order:", frozenset({Role.SALES, Role.FINANCE})),
    ("invoices", frozenset({Role.FINANCE})),
    ("billing:", frozenset({Role.FINANCE})),
    ("invoice_lines:", frozenset({Role.FINANCE})),
    ("fetch:invoice:", frozenset({Role.FINANCE})),
)
ADMIN_ONLY = frozenset({Role.ADMIN})


def roles_for_job(kind: str) -> frozenset[Role]:
    for key, roles in JOB_AREAS:
        if kind == key or (key.endswith(":") and kind.startswith(key)):
            return roles
    return ADMIN_ONLY
