"""Each demo role signs in through a real Chromium and sees its own navigation only."""

import pytest

from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPECTED = {
    "sally": (
        {"Dashboard", "Catalog", "Cart", "Orders"},
        {"Invoices", "Reconciliation", "Registrations"},
    ),
    "fiona": ({"Dashboard", "Invoices", "Reconciliation"}, {"Catalog", "Cart", "Registrations"}),
    "adam": (
        {"Dashboard", "Customers", "Registrations"},
        {"Catalog", "Cart", "Invoices", "Reconciliation"},
    ),
}


@pytest.mark.parametrize("username", list(EXPECTED))
def test_role_sees_its_navigation(page, username, request):
    request.getfixturevalue(
        {"sally": "sales_user", "fiona": "finance_user", "adam": "admin_user"}[username]
    )
    browser_login(page, username)
    labels = {
        text.strip().split("\n")[0].strip()
        for text in page.locator("nav.mainnav a").all_inner_texts()
    }
    must_see, must_not_see = EXPECTED[username]
    missing = must_see - labels
    assert not missing, f"{username} misses {missing}; sees {labels}"
    assert not (must_not_see & labels), f"{username} sees {must_not_see & labels}"


def test_anonymous_is_sent_to_sign_in(page):
    page.goto("/")
    assert "/accounts/login/" in page.url
    assert page.locator("h1").inner_text() == "Sign in"
