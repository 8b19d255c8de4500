"""Pages that still call Partner Center share one time budget (PARTNER_CENTER_REQUEST_BUDGET, below
gunicorn's timeout): a slow Partner Center costs the page the budget, not minutes of retries."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from partnercenter import errors
from portal.partner_center.client import get_client, time_budget
from tests.purchasing.conftest import add_line


def _calls(sandbox, route_part: str) -> int:
    return sum(n for route, n in sandbox.stats()["calls_per_route"].items() if route_part in route)


def test_a_deadline_bounds_a_call_and_its_retries(sandbox):
    sandbox.add_fault("latency", path="/v1/invoices/summary", delay=5)
    client = sandbox.client(max_retries=3, deadline=time.monotonic() + 1.5)
    started = time.monotonic()
    with pytest.raises(errors.Timeout):
        client.get_account_balance()
    assert time.monotonic() - started < 4  # without the deadline: 4 attempts of 5 s each
    sent = _calls(sandbox, "summary")
    with pytest.raises(errors.Timeout, match="time this page may wait"):
        client.get_account_balance()  # the budget is spent: not even sent
    assert _calls(sandbox, "summary") == sent


@pytest.mark.django_db
def test_review_page_answers_within_the_budget_when_partner_center_is_slow(
    world, sales_user, sales_client, sandbox, settings
):
    settings.PARTNER_CENTER_REQUEST_BUDGET = 1
    customer = world["contoso"]
    add_line(customer, sales_user)
    sandbox.add_fault("latency", path="/v1/products/*", delay=5)
    started = time.monotonic()
    response = sales_client.get(reverse("purchasing:review", args=[customer.pk]))
    assert response.status_code == 200
    assert time.monotonic() - started < 4


@pytest.mark.django_db
def test_token_calls_on_a_page_wait_no_longer_than_the_budget(sandbox):
    """MSAL's token (and sign-in) requests are outside the retry loop: their timeout is cut."""
    sandbox.add_fault("latency", path="*/oauth2/v2.0/token", delay=5)
    started = time.monotonic()
    with time_budget(1), pytest.raises(errors.PartnerCenterError):
        get_client().get_account_balance()
    assert time.monotonic() - started < 4
