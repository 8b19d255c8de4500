"""Resale pricing: markup rules on partner cost, and the resale price they give.

- ``models``: ``CustomerGroup`` and ``MarkupRule`` (registered through ``catalog.models``).
- ``engine``: pure functions (no database): which rule applies, its precedence, the price it gives
  and how it is rounded. Property-tested.
- ``services``: audited writes of rules and groups, and ``resale_price_for`` (the price a
  salesperson sees and the order records).

Precedence (most specific wins), compared dimension by dimension in this order:

1. customer: a rule for the customer beats a rule for one of its groups, which beats a rule for
   all customers;
2. item: a SKU rule beats a product rule, which beats a product-family rule, which beats a rule
   for all items;
3. term: a rule for the line's term beats a rule for any term.

Rules of equal precedence for the same scope may not overlap in dates (validation refuses it).
Two rules can still tie when a customer belongs to two groups that both have a rule: the one
whose effective-from date is latest wins, then the most recently created.
"""
