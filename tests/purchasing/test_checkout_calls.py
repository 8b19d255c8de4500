"""A checkout's Partner Center calls grow with its distinct items and order groups, not with its
lines: a 50-line cart of two items costs what a 4-line cart of the same two items costs."""

from __future__ import annotations

from collections import Counter

from purchasing.models import Checkout
from purchasing.services.checkout import checkout_review, checkout_submit
from tests.purchasing.conftest import SUSE, WINDOWS, add_line


def _api_calls(sandbox) -> Counter:
    calls = sandbox.stats()["calls_per_route"]
    return Counter({route: n for route, n in calls.items() if " /v1/" in route})


def _checkout_calls(world, sales_user, sandbox, lines: int) -> Counter:
    """Partner Center calls from review to submitted for a cart of ``lines`` lines."""
    first = None
    for n in range(lines):
        line = add_line(world["contoso"], sales_user, title=(SUSE, WINDOWS)[n % 2], quantity=8 + n)
        first = first or line
    before = _api_calls(sandbox)
    checkout_review(cart=first.cart, user=sales_user)
    checkout = checkout_submit(cart_id=first.cart_id, user=sales_user, confirm_duplicates=True)
    assert checkout.state == Checkout.State.SUBMITTED
    assert first.cart.lines.count() == lines
    return _api_calls(sandbox) - before


def test_calls_grow_with_items_not_lines(world, sales_user, sandbox):
    small = _checkout_calls(world, sales_user, sandbox, 4)
    large = _checkout_calls(world, sales_user, sandbox, 50)
    assert large == small, (small, large)
    assert sum(large.values()) <= 8
