"""Pages offer only what the reader's role may open: the same role declarations as the views'
``@role_required`` decide which links, buttons and forms appear."""

from __future__ import annotations

import re
import uuid

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from portal.shared.access import may_open, url_if_allowed
from portal.shared.navigation import nav_for
from tests.conftest import _make_user

ROLES = ("sales", "finance", "admin")


@pytest.fixture
def users(db):
    return {role: _make_user(f"links-{role}", [role]) for role in ROLES}


def _customer():
    from portal.models import Customer

    return Customer.objects.create(
        tenant_id=uuid.uuid4(), company_name="Links Ltd", country="US", currency="USD"
    )


@pytest.mark.parametrize(
    "url_name",
    [
        "purchasing:carts",
        "purchasing:orders",
        "purchasing:entitlements",
        "purchasing:approvals",
        "billing:invoices",
        "billing:reconciliation",
        "catalog:index",
        "customers:list",
        "customers:registrations",
        "admin_tools:audit",
        "dashboard",
    ],
)
def test_url_if_allowed_agrees_with_the_views_guard(users, url_name, client):
    """The tag offers a URL exactly when the view lets the role in (no hand-kept table)."""
    for role, user in users.items():
        client.force_login(user)
        status = client.get(reverse(url_name)).status_code
        offered = url_if_allowed(user, url_name)
        assert bool(offered) == (status != 403), (role, url_name, status)


def test_template_tag_hides_links_the_reader_cannot_follow(users):
    template = Template(
        "{% load portal_tags %}{% url_if_allowed 'billing:invoices' as u %}[{{ u }}]"
    )
    request = RequestFactory().get("/")
    for role, expected in (("finance", "[/billing/invoices/]"), ("sales", "[]")):
        request.user = users[role]
        assert template.render(Context({"request": request})) == expected


def test_unknown_paths_and_anonymous_users_may_open_nothing(users):
    from django.contrib.auth.models import AnonymousUser

    assert not may_open(users["admin"], "/no/such/page/")
    assert not may_open(AnonymousUser(), "/billing/invoices/")
    assert url_if_allowed(users["admin"], "no-such-name") == ""


def test_navigation_never_links_to_a_403(users, client):
    for user in users.values():
        client.force_login(user)
        for item in nav_for(user, "/"):
            assert client.get(item["url"]).status_code == 200, (user, item)


def _links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"?#]+)', html))


def test_customer_page_offers_each_role_only_its_sections(users, client):
    customer = _customer()
    client.force_login(users["admin"])
    admin_links = _links(client.get(f"/customers/{customer.pk}/").content.decode())
    assert not admin_links & {"/cart/", "/orders/", "/entitlements/", "/billing/invoices/"}
    client.force_login(users["sales"])
    sales_links = _links(client.get(f"/customers/{customer.pk}/").content.decode())
    assert {"/cart/", "/orders/", "/entitlements/"} <= sales_links
    assert "/billing/invoices/" not in sales_links


def test_checkout_page_links_only_where_the_role_may_go(users, client):
    from purchasing.models import Cart, Checkout

    customer = _customer()
    cart = Cart.objects.create(customer=customer, created_by=users["sales"])
    checkout = Checkout.objects.create(
        cart=cart, customer=customer, requested_by=users["sales"], ms_request_id=str(uuid.uuid4())
    )
    expectations = {
        "sales": ({"/cart/", "/orders/"}, set()),
        "finance": ({"/orders/", "/approvals/"}, {"/cart/"}),
        "admin": ({"/approvals/"}, {"/cart/", "/orders/"}),
    }
    for role, (present, absent) in expectations.items():
        client.force_login(users[role])
        links = _links(client.get(f"/checkouts/{checkout.pk}/").content.decode())
        assert present <= links, (role, links)
        assert not absent & links, (role, links)


def test_buttons_follow_the_same_declarations(users, client):
    """Register (admin), approve (finance/admin) and refresh provisioning (sales) appear only for
    the roles their views admit."""
    from django.utils import timezone

    from portal.models import AzureSubscription
    from purchasing.models import Approval, Cart, Checkout, Order

    customer = _customer()
    AzureSubscription.objects.create(
        customer=customer, subscription_id=uuid.uuid4(), offer_id="MS-AZR-0145P",
        is_reservation_eligible=True, registration_state="not_registered",
    )  # fmt: skip
    checkout = Checkout.objects.create(
        cart=Cart.objects.create(customer=customer, created_by=users["sales"]),
        customer=customer, requested_by=users["sales"], ms_request_id=str(uuid.uuid4()),
        state="awaiting_approval",
    )  # fmt: skip
    Approval.objects.create(checkout=checkout, requested_by=users["sales"])
    order = Order.objects.create(pc_order_id="o-1", customer=customer, created_at=timezone.now())
    pages = {
        f"/customers/{customer.pk}/": ("/register/", {"admin"}),
        f"/checkouts/{checkout.pk}/": ("/decide/", {"finance", "admin"}),
        f"/orders/{order.pk}/": ("/provisioning/", {"sales"}),
    }
    for url, (action, roles) in pages.items():
        for role, user in users.items():
            client.force_login(user)
            response = client.get(url)
            if response.status_code == 403:
                assert role not in roles
                continue
            shows = re.search(
                rf'<form method="post" action="[^"]*{action}"', response.content.decode()
            )
            assert bool(shows) == (role in roles), (url, role)
