"""Customers and subscriptions named by id that the mirror does not hold are read from Partner
Center by id: ``registration_status``, ``sync_subscriptions --customer``, the customer page and the
customer search box. These reads are App operations: they work without the App+User connection
(no test here signs a partner user in)."""

from __future__ import annotations

import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from partnercenter.sandbox.seed import CUSTOMERS, customer_id, subscription_id
from portal.models import AuditEvent, AzureSubscription, Customer, PartnerCenterConnection
from tests.mirror_pages import HTMX, follow_fetch, pc_calls, text, words

FABRIKAM = customer_id("fabrikam")
FABRIKAM_NAME = next(c[1] for c in CUSTOMERS if c[0] == "fabrikam")
MISSING = str(uuid.UUID(int=0xC0FFEE))


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# -- registration_status ----------------------------------------------------------------------


@pytest.mark.django_db
def test_registration_status_fetches_an_unmirrored_subscription(sandbox):
    _run("sync_customers")
    assert not AzureSubscription.objects.exists()
    assert (
        not PartnerCenterConnection.objects.filter(revoked_at__isnull=True)
        .exclude(username="")
        .exists()
    )
    sid = subscription_id("contoso-plan")
    out = _run("registration_status", sid)
    assert f"Read subscription {sid} from Partner Center by id." in out
    assert "Customer:            Contoso Ltd" in out
    assert "Registration state:  registered" in out
    assert AzureSubscription.objects.get(subscription_id=sid).customer.tenant_id == uuid.UUID(
        customer_id("contoso")
    )


@pytest.mark.django_db
def test_registration_status_reads_the_named_customer_too(sandbox):
    sid = subscription_id("fabrikam-plan")
    out = _run("registration_status", sid, "--customer", FABRIKAM)
    assert f"Customer:            {FABRIKAM_NAME}" in out
    assert "Registration state:  not_registered" in out
    assert Customer.objects.filter(tenant_id=FABRIKAM).exists()


@pytest.mark.django_db
def test_registration_status_names_partner_centers_404(sandbox):
    _run("sync_customers")
    with pytest.raises(
        CommandError,
        match=rf"Partner Center has no subscription {MISSING} under any of the 6 customers in the "
        r"portal \(request id [0-9a-f-]{36}\)\.",
    ):
        _run("registration_status", MISSING)
    with pytest.raises(
        CommandError, match=rf"Partner Center has no customer {MISSING} \(request id "
    ):
        _run("registration_status", subscription_id("contoso-plan"), "--customer", MISSING)


# -- sync_subscriptions --customer ----------------------------------------------------------------


@pytest.mark.django_db
def test_sync_subscriptions_reads_an_unmirrored_customer(sandbox):
    out = _run("sync_subscriptions", "--customer", FABRIKAM)
    assert f"Read customer {FABRIKAM_NAME} from Partner Center by id." in out
    customer = Customer.objects.get(tenant_id=FABRIKAM)
    assert customer.country == "TW" and customer.currency == "TWD"
    assert customer.subscriptions.count() == 2
    assert AuditEvent.objects.filter(action="customer.fetched", customer=customer).exists()


@pytest.mark.django_db
def test_sync_subscriptions_names_partner_centers_404(sandbox):
    with pytest.raises(
        CommandError, match=rf"Partner Center has no customer {MISSING} \(request id "
    ):
        _run("sync_subscriptions", "--customer", MISSING)
    assert not Customer.objects.exists()


# -- the customer page and the customer search (fetch runs in a Celery task) -------------------


def test_customer_page_fetches_in_the_background_then_shows_it(
    celery_worker, sandbox, sales_client
):
    page = sales_client.get(f"/customers/pc/{FABRIKAM}/")
    assert page.status_code == 200 and "<progress" in text(page)
    done = follow_fetch(sales_client, f"/customers/pc/{FABRIKAM}/fetch/status/")
    assert "HX-Redirect" in done, words(done)
    customer = Customer.objects.get(tenant_id=FABRIKAM)
    assert done["HX-Redirect"] == f"/customers/{customer.pk}/"
    shown = words(sales_client.get(done["HX-Redirect"]))
    assert FABRIKAM_NAME in shown
    # What the customer implies and the portal lacks: its subscriptions, with the way to read them.
    assert "Its Azure subscriptions are not in the portal yet." in shown
    assert "Sync subscriptions" in shown
    # Once mirrored, the Partner Center id URL is the customer's page.
    again = sales_client.get(f"/customers/pc/{FABRIKAM}/")
    assert again.status_code == 302 and again["Location"] == f"/customers/{customer.pk}/"


def test_customer_page_shows_partner_centers_404_in_words(celery_worker, sandbox, sales_client):
    sales_client.get(f"/customers/pc/{MISSING}/")
    done = follow_fetch(sales_client, f"/customers/pc/{MISSING}/fetch/status/")
    assert f"Partner Center has no customer {MISSING} (request id " in words(done)
    assert sales_client.get("/customers/pc/not-a-guid/").status_code == 404


def test_customer_search_offers_fetch_for_an_unmirrored_id(celery_worker, sandbox, sales_client):
    listing = words(sales_client.get("/customers/", {"q": FABRIKAM.upper()}))
    assert f"Customer {FABRIKAM} is not in the portal." in listing
    assert "Fetch from Partner Center" in listing
    assert "Fetch from Partner Center" not in words(
        sales_client.get("/customers/", {"q": "Contoso"})
    )
    answer = sales_client.post(f"/customers/pc/{FABRIKAM}/fetch/")
    assert answer.status_code == 302 and answer["Location"] == f"/customers/pc/{FABRIKAM}/"
    done = follow_fetch(sales_client, f"/customers/pc/{FABRIKAM}/fetch/status/")
    assert "HX-Redirect" in done, words(done)
    assert "Fetch from Partner Center" not in words(
        sales_client.get("/customers/", {"q": FABRIKAM})
    )


def test_customer_page_and_fetch_ask_nothing_of_partner_center_in_the_request(
    sandbox, sales_client, django_capture_on_commit_callbacks
):
    from portal.tasks import fetch_customer

    calls = pc_calls(sandbox)
    with django_capture_on_commit_callbacks() as queued:
        page = sales_client.get(f"/customers/pc/{FABRIKAM}/")
        sales_client.get("/customers/", {"q": FABRIKAM})
        sales_client.get(f"/customers/pc/{FABRIKAM}/fetch/status/", **HTMX)
    assert "<progress" in text(page) and len(queued) == 1
    assert pc_calls(sandbox) == calls
    fetch_customer(FABRIKAM)  # what the worker runs
    assert pc_calls(sandbox) > calls
    done = sales_client.get(f"/customers/pc/{FABRIKAM}/fetch/status/", **HTMX)
    assert done["HX-Redirect"] == f"/customers/{Customer.objects.get(tenant_id=FABRIKAM).pk}/"


def test_a_fetch_partner_center_answers_404_leaves_health_alone(sandbox, admin_client_portal):
    """A mistyped id is an answer for whoever asked, not a failing sync: /healthz stays ok."""
    from portal.models import SyncState
    from portal.tasks import fetch_customer

    fetch_customer(MISSING)
    assert SyncState.objects.get(kind=f"fetch:customer:{MISSING}").failed_last
    report = admin_client_portal.get("/healthz").json()
    assert not [s for s in report["syncs"] if s["kind"].startswith("fetch:")]
    assert not any(s["failed_last"] for s in report["syncs"])
