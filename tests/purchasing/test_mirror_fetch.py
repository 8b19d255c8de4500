"""Orders (and their customers) named by id that the mirror does not hold are read from Partner
Center by id: ``sync_orders --customer``, the order page and the order search box. These reads are
App operations: they work without the App+User connection (no test here signs a partner user in)."""

from __future__ import annotations

import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from partnercenter.sandbox.seed import customer_id
from portal.models import Customer
from portal.partner_center.client import get_client
from purchasing.models import Order
from tests.mirror_pages import HTMX, follow_fetch, pc_calls, text, words

CONTOSO = customer_id("contoso")
MISSING_CUSTOMER = str(uuid.UUID(int=0xC0FFEE))
MISSING_ORDER = "Zz0MissingOrderIdThatIsNotThere01"


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def contoso_order(sandbox) -> str:
    """The id of an order Contoso has in Partner Center (seeded history), not in the portal."""
    return next(iter(get_client().list_orders(CONTOSO))).id


# -- sync_orders --customer -------------------------------------------------------------------


@pytest.mark.django_db
def test_sync_orders_reads_an_unmirrored_customer(sandbox, contoso_order):
    out = _run("sync_orders", "--customer", CONTOSO, "--no-provisioning")
    assert "Read customer Contoso Ltd from Partner Center by id." in out
    assert "Orders synced" in out
    customer = Customer.objects.get(tenant_id=CONTOSO)
    assert Order.objects.get(pc_order_id=contoso_order).customer == customer


@pytest.mark.django_db
def test_sync_orders_names_partner_centers_404(sandbox):
    with pytest.raises(
        CommandError, match=rf"Partner Center has no customer {MISSING_CUSTOMER} \(request id "
    ):
        _run("sync_orders", "--customer", MISSING_CUSTOMER)
    assert not Customer.objects.exists()


# -- the order page and the order search (fetch runs in a Celery task) --------------------------


def test_order_page_fetches_in_the_background_then_shows_it(
    celery_worker, sandbox, sales_client, contoso_order
):
    _run("sync_customers")
    page = sales_client.get(f"/orders/pc/{contoso_order}/")
    assert page.status_code == 200 and "<progress" in text(page)
    done = follow_fetch(sales_client, f"/orders/pc/{contoso_order}/fetch/status/")
    assert "HX-Redirect" in done, words(done)
    order = Order.objects.get(pc_order_id=contoso_order)
    assert done["HX-Redirect"] == f"/orders/{order.pk}/"
    shown = words(sales_client.get(done["HX-Redirect"]))
    assert contoso_order in shown and "Contoso Ltd" in shown
    assert order.source == Order.Source.EXTERNAL and order.lines.exists()
    again = sales_client.get(f"/orders/pc/{contoso_order}/")
    assert again.status_code == 302 and again["Location"] == f"/orders/{order.pk}/"


def test_order_page_shows_partner_centers_404_in_words(celery_worker, sandbox, sales_client):
    _run("sync_customers")
    sales_client.get(f"/orders/pc/{MISSING_ORDER}/")
    done = follow_fetch(sales_client, f"/orders/pc/{MISSING_ORDER}/fetch/status/")
    said = words(done)
    assert (
        f"Partner Center has no order {MISSING_ORDER} under any of the 6 customers in the portal "
        "(request id " in said
    )
    assert "Try again" in said


def test_order_of_an_unmirrored_customer_names_it_and_offers_to_fetch_it(
    celery_worker, sandbox, sales_client, contoso_order
):
    """The order implies its customer: with no customer mirrored the page says what is missing
    and asks for the customer's id; given it, both the customer and the order are read."""
    sales_client.get(f"/orders/pc/{contoso_order}/")
    done = follow_fetch(sales_client, f"/orders/pc/{contoso_order}/fetch/status/")
    said = words(done)
    assert "If it belongs to a customer the portal has not mirrored yet" in said
    assert 'name="customer"' in done.content.decode()
    sales_client.post(f"/orders/pc/{contoso_order}/fetch/", {"customer": CONTOSO})
    done = follow_fetch(sales_client, f"/orders/pc/{contoso_order}/fetch/status/")
    assert "HX-Redirect" in done, words(done)
    order = Order.objects.get(pc_order_id=contoso_order)
    assert done["HX-Redirect"] == f"/orders/{order.pk}/"
    assert order.customer.tenant_id == uuid.UUID(CONTOSO)
    bad = sales_client.post(f"/orders/pc/{MISSING_ORDER}/fetch/", {"customer": "nope"}, follow=True)
    assert "is not a Partner Center customer id (a GUID)" in words(bad)


def test_order_search_offers_fetch_for_an_exact_unmirrored_id(
    celery_worker, sandbox, sales_client, contoso_order
):
    _run("sync_customers")
    listing = words(sales_client.get("/orders/", {"q": contoso_order}))
    assert f"Order {contoso_order} is not in the portal." in listing
    assert "Fetch from Partner Center" in listing
    assert "Fetch from Partner Center" not in words(sales_client.get("/orders/", {"q": "Contoso"}))
    answer = sales_client.post(f"/orders/pc/{contoso_order}/fetch/")
    assert answer.status_code == 302 and answer["Location"] == f"/orders/pc/{contoso_order}/"
    done = follow_fetch(sales_client, f"/orders/pc/{contoso_order}/fetch/status/")
    assert "HX-Redirect" in done, words(done)
    assert "Fetch from Partner Center" not in words(
        sales_client.get("/orders/", {"q": contoso_order})
    )


def test_order_page_and_fetch_ask_nothing_of_partner_center_in_the_request(
    sandbox, sales_client, contoso_order, django_capture_on_commit_callbacks
):
    from purchasing.tasks import fetch_order

    _run("sync_customers")
    calls = pc_calls(sandbox)
    with django_capture_on_commit_callbacks() as queued:
        page = sales_client.get(f"/orders/pc/{contoso_order}/")
        sales_client.get("/orders/", {"q": contoso_order})
        sales_client.get(f"/orders/pc/{contoso_order}/fetch/status/", **HTMX)
    assert "<progress" in text(page) and len(queued) == 1
    assert pc_calls(sandbox) == calls
    fetch_order(contoso_order)  # what the worker runs
    assert pc_calls(sandbox) > calls
    done = sales_client.get(f"/orders/pc/{contoso_order}/fetch/status/", **HTMX)
    assert done["HX-Redirect"] == f"/orders/{Order.objects.get(pc_order_id=contoso_order).pk}/"
