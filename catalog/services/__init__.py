"""Catalog writes, one module per topic.

- ``sync``: the market catalog sync (products, SKUs, availabilities).
- ``customer_catalog``: a customer's own catalog (customer-scoped routes, same upsert).
- ``prices``: price sheet sync.
- ``inventory_checks``: inventory checks asked of Partner Center.

No transaction is held open across a Partner Center call: pages of Partner Center data are fetched
first, then upserted in short bulk statements.
"""
