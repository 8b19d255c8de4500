"""A checkout's Partner Center calls and database queries grow with its distinct items and order
groups, not with its lines: a 50-line cart of two items costs what a 4-line cart of the same two
items costs."""

from __future__ import annotations

from collections import Counter

from django.db import connection
from django.test.utils import CaptureQueriesContext

from purchasing.models import Checkout
from purchasing.services.checkout import checkout_review, checkout_submit
from tests.purchasing.conftest import SUSE, WINDOWS, add_line


def _api_calls(sandbox) -> Counter:
    calls = sandbox.stats()["calls_per_route"]
    return Counter({route: n for route, n in calls.items() if " /v1/" in route})


def _checkout_calls(world, sales_user, sandbox, lines: int) -> tuple[Counter, int]:
    """Partner Center calls and queries from review to submitted for a cart of ``lines`` lines."""
    first = None
    for n in range(lines):
        line = add_line(world["contoso"], sales_user, title=(SUSE, WINDOWS)[n % 2], quantity=8 + n)
        first = first or line
    before = _api_calls(sandbox)
    with CaptureQueriesContext(connection) as queries:
        checkout_review(cart=first.cart, user=sales_user)
        checkout = checkout_submit(cart_id=first.cart_id, user=sales_user, confirm_duplicates=True)
    assert checkout.state == Checkout.State.SUBMITTED
    assert first.cart.lines.count() == lines
    return _api_calls(sandbox) - before, len(queries)


def test_calls_grow_with_items_not_lines(world, sales_user, sandbox):
    small, small_queries = _checkout_calls(world, sales_user, sandbox, 4)
    large, large_queries = _checkout_calls(world, sales_user, sandbox, 50)
    assert large == small, (small, large)
    assert sum(large.values()) <= 8
    assert large_queries <= small_queries + 5, (small_queries, large_queries)
