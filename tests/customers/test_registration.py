"""Registration for reservations against the sandbox, polled by a real Celery worker thread."""

from __future__ import annotations

import time
import uuid

import pytest
from celery.signals import before_task_publish
from django.core.management import call_command
from django.utils import timezone

from partnercenter.sandbox import seed
from portal.customers.services.registrations import registration_poll, registration_start
from portal.customers.services.sync import customer_sync_all, subscription_sync_all
from portal.models import AuditEvent, AzureSubscription, SubscriptionRegistration
from tests.conftest import purge_memory_broker

FAST = {
    "REGISTRATION_POLL_SECONDS": 0.3,
    "REGISTRATION_GIVE_UP_SECONDS": 30,
    "REGISTRATION_MAX_BACKOFF_SECONDS": 1,
    "REGISTRATION_LEASE_SECONDS": 1,
}


@pytest.fixture
def fast(settings, sandbox, transactional_db, request):
    for key, value in FAST.items():
        setattr(settings, key, value)
    settings.PARTNER_CENTER_MAX_RETRIES = 0  # let throttling/outages reach the portal's own backoff
    before = sandbox.config()["registration_delay"]
    request.addfinalizer(lambda: sandbox.configure(registration_delay=before))
    sandbox.configure(registration_delay=1.0)
    customer_sync_all()
    subscription_sync_all(customer_tenant_id=seed.customer_id("contoso"))
    return sandbox


def _sub(key="contoso-legacy") -> AzureSubscription:
    return AzureSubscription.objects.get(subscription_id=seed.subscription_id(key))


def wait_for(predicate, timeout=15.0, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout}s")


def _final(reg_pk):
    reg = SubscriptionRegistration.objects.get(pk=reg_pk)
    return reg if reg.is_final else None


@pytest.fixture
def published_polls():
    """(registration id, chain token) of every registration_poll message sent."""
    seen: list[tuple] = []

    def record(sender=None, body=None, **kwargs):
        if sender == "portal.tasks.registration_poll":
            args = body[0] if isinstance(body, tuple) else body.get("args", [])
            seen.append(tuple(args))

    before_task_publish.connect(record, weak=False)
    yield seen
    before_task_publish.disconnect(record)


def test_admin_registers_and_worker_polls_until_registered(
    fast, celery_worker, admin_client_portal, published_polls
):
    sub = _sub()
    assert sub.registration_state == "not_registered"
    response = admin_client_portal.post(
        f"/customers/subscriptions/{sub.pk}/register/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b"Registering" in response.content or b"Pending" in response.content
    reg = SubscriptionRegistration.objects.get(subscription=sub)
    assert reg.requested_by.username == "adam" and reg.correlation_id and reg.ms_request_id
    reg = wait_for(lambda: _final(reg.pk))
    assert reg.state == "registered" and reg.finished_at and reg.attempts >= 1
    sub.refresh_from_db()
    assert sub.registration_state == "registered"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"registration.started", "registration.completed"} <= actions
    # One chain of polling tasks for the registration.
    assert {token for _, token in published_polls} == {reg.poll_token}
    # The row partial (what the page polls) now shows registered without a register button.
    row = admin_client_portal.get(f"/customers/subscriptions/{sub.pk}/row/", HTTP_HX_REQUEST="true")
    assert b"Registered" in row.content and b"Register for reservations" not in row.content
    assert b"hx-trigger" not in row.content  # polling stops at a final state


def test_double_submit_makes_one_registration_and_one_polling_chain(
    fast, celery_worker, admin_client_portal, admin_user, published_polls
):
    sub = _sub()
    # The first submit is the service's own; the three clicks after it race the worker, which may
    # already have finished the registration: either way none of them starts another.
    first, created = registration_start(subscription=sub, actor=admin_user)
    assert created is True
    for _ in range(3):
        admin_client_portal.post(
            f"/customers/subscriptions/{sub.pk}/register/", HTTP_HX_REQUEST="true"
        )
    assert SubscriptionRegistration.objects.filter(subscription=sub).count() == 1
    reg = wait_for(lambda: _final(first.pk))
    assert reg.state == "registered"
    assert len({token for _, token in published_polls}) == 1
    calls = fast.stats()["calls_per_route"]
    posts = sum(
        n for route, n in calls.items() if route.startswith("POST") and "registrations" in route
    )
    assert posts == 1


def test_partner_center_4xx_fails_with_code_and_ids(fast, admin_client_portal, transactional_db):
    # The mirror still says eligible, but Partner Center has the subscription suspended.
    subscription_sync_all(customer_tenant_id=seed.customer_id("northwind"))
    sub = _sub("northwind-legacy")
    AzureSubscription.objects.filter(pk=sub.pk).update(is_reservation_eligible=True)
    response = admin_client_portal.post(
        f"/customers/subscriptions/{sub.pk}/register/", HTTP_HX_REQUEST="true"
    )
    text = response.content.decode()
    reg = SubscriptionRegistration.objects.get(subscription=sub)
    assert reg.state == "failed" and reg.error_code == "800012"
    assert "rejected the request" in reg.last_error and "800012" in reg.last_error
    assert "request id" in reg.last_error and "correlation id" in reg.last_error
    assert "800012" in text and "Failed" in text
    event = AuditEvent.objects.get(action="registration.failed")
    assert "800012" in event.details["error"]


def test_throttled_submit_is_retried_by_the_poller(fast, celery_worker, admin_client_portal):
    fast.add_fault(
        "429", path="/v1/customers/*/registrations", method="POST", count=1, retry_after=1
    )
    sub = _sub()
    response = admin_client_portal.post(
        f"/customers/subscriptions/{sub.pk}/register/", HTTP_HX_REQUEST="true"
    )
    assert "throttling" in response.content.decode()
    reg = SubscriptionRegistration.objects.get(subscription=sub)
    assert reg.state in ("pending", "registering")
    reg = wait_for(lambda: _final(reg.pk))
    assert reg.state == "registered" and reg.last_error == ""
    assert AuditEvent.objects.filter(action="registration.retrying").exists()


def test_outage_then_give_up_times_out_with_clear_state(fast, celery_worker, admin_user, settings):
    settings.REGISTRATION_GIVE_UP_SECONDS = 2
    fast.configure(registration_delay=3600)
    fast.add_fault("503", path="/v1/customers/*/registrationstatus", method="GET")
    reg, _ = registration_start(subscription=_sub(), actor=admin_user)
    reg = wait_for(lambda: _final(reg.pk), timeout=20)
    assert reg.state == "timed_out"
    assert "Gave up after" in reg.last_error and reg.correlation_id in reg.last_error
    assert "unavailable" in reg.last_error  # the outage that kept it from finishing
    assert _sub().registration_state == "unknown"
    assert AuditEvent.objects.filter(action="registration.timed_out").exists()


def test_worker_killed_mid_poll_resumes_through_beat_sweep(fast, admin_user, transactional_db):
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app
    from portal.tasks import registration_sweep

    sub = _sub()
    # A registration whose worker died while polling: left "registering", lease expired,
    # no task in any queue.
    past = timezone.now() - timezone.timedelta(minutes=5)
    reg = SubscriptionRegistration.objects.create(
        subscription=sub, requested_by=admin_user, requested_at=past, state="registering",
        ms_request_id=str(uuid.uuid4()), correlation_id=str(uuid.uuid4()),
        polling_until=timezone.now() + timezone.timedelta(minutes=5), next_poll_at=past,
        claimed_until=past, poll_token="dead-worker-chain", attempts=3,
    )  # fmt: skip
    from partnercenter.sandbox.testing import SandboxServer  # noqa: F401  (sandbox already running)

    client_register = __import__(
        "portal.partner_center.client", fromlist=["get_client"]
    ).get_client()
    client_register.register_subscription(seed.customer_id("contoso"), str(sub.subscription_id))
    purge_memory_broker()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        registration_sweep.delay()  # what beat runs every minute
        reg = wait_for(lambda: _final(reg.pk))
    assert reg.state == "registered" and reg.poll_token != "dead-worker-chain"
    # The dead chain's task, if it were redelivered now, does nothing.
    assert registration_poll(registration_id=reg.pk, token="dead-worker-chain") == "skipped"


def test_registration_status_command(fast, admin_user, capsys, transactional_db):
    reg, _ = registration_start(subscription=_sub(), actor=admin_user)
    call_command("registration_status", str(_sub().subscription_id))
    out = capsys.readouterr().out
    assert "Registration state:  registering" in out
    assert f"Latest registration: #{reg.pk} registering" in out
    assert reg.correlation_id in out and reg.ms_request_id in out and "adam" in out
    with pytest.raises(Exception, match="not a subscription id"):
        call_command("registration_status", "xyz")


def test_sales_cannot_register(fast, sales_client, transactional_db):
    sub = _sub()
    assert sales_client.post(f"/customers/subscriptions/{sub.pk}/register/").status_code == 403
    page = sales_client.get(f"/customers/{sub.customer_id}/")
    assert page.status_code == 200 and b"Register for reservations" not in page.content
    assert b"Not registered" in page.content
    assert not SubscriptionRegistration.objects.exists()
