"""Registering customers' Azure subscriptions for reservations (partner-center.md §2), polled to
a final state.

``registration_start`` persists a ``pending`` registration (one per subscription at a time: a
partial unique constraint), commits, POSTs the register call with the registration's own
``MS-RequestId`` and moves it to ``registering``. ``registration_poll`` (Celery) reads the status
with backoff until ``registered``, a permanent failure, or the give-up time (``timed_out``).

Exactly one chain of polling tasks is live per registration: tasks carry the registration's
``poll_token`` and exit when it no longer matches; ``registration_sweep`` (beat) gives overdue
registrations (their worker died) a new token and a new task.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from partnercenter import errors as pc_errors
from portal.customers.services.sync import _map_registration_state
from portal.models import AzureSubscription, SubscriptionRegistration
from portal.partner_center.client import get_client, new_operation_id
from portal.shared.audit import audit_record
from portal.shared.errors import PortalError, pc_error_message
from portal.shared.queue import enqueue_on_commit

logger = logging.getLogger(__name__)

State = SubscriptionRegistration.State
SubState = AzureSubscription.RegistrationState

PERMANENT = (pc_errors.ValidationError, pc_errors.NotFound, pc_errors.PermissionDenied)


def poll_interval() -> float:
    return float(settings.REGISTRATION_POLL_SECONDS)


def give_up_after() -> timedelta:
    return timedelta(seconds=float(settings.REGISTRATION_GIVE_UP_SECONDS))


def max_backoff() -> float:
    return float(settings.REGISTRATION_MAX_BACKOFF_SECONDS)


def lease() -> timedelta:
    """How long a poll may take before another worker may take the registration over."""
    seconds = float(settings.REGISTRATION_LEASE_SECONDS)
    return timedelta(seconds=max(seconds, poll_interval() * 3))


def _queue_poll(registration_id: int, token: str, countdown: float = 0) -> None:
    enqueue_on_commit("portal.tasks.registration_poll", registration_id, token, countdown=countdown)


def registration_start(
    *, subscription: AzureSubscription, actor
) -> tuple[SubscriptionRegistration, bool]:
    """Register ``subscription``; returns (registration, created). A registration already in
    progress is returned as is (double clicks, two admins, retried requests)."""
    subscription.refresh_from_db()
    _check_registrable(subscription)
    active = subscription.registrations.filter(
        state__in=SubscriptionRegistration.ACTIVE_STATES
    ).first()
    if active:
        return active, False
    if subscription.registration_state == SubState.REGISTERED:
        raise PortalError(_("This subscription is already registered for reservations."))
    now = timezone.now()
    try:
        with transaction.atomic():
            registration = SubscriptionRegistration.objects.create(
                subscription=subscription,
                requested_by=actor if getattr(actor, "is_authenticated", False) else None,
                requested_at=now,
                state=State.PENDING,
                ms_request_id=str(uuid.uuid4()),
                correlation_id=new_operation_id(),
                polling_until=now + give_up_after(),
                next_poll_at=now,
                poll_token=uuid.uuid4().hex,
            )
            AzureSubscription.objects.filter(pk=subscription.pk).update(
                registration_state=SubState.REGISTERING
            )
            audit_record(
                actor=actor,
                action="registration.started",
                obj=registration,
                customer=subscription.customer,
                summary=f"Registration of {subscription} for reservations requested",
                subscription_id=subscription.subscription_id,
                correlation_id=registration.correlation_id,
                request_id=registration.ms_request_id,
            )
    except IntegrityError:
        # Another request created it between our check and insert.
        active = subscription.registrations.filter(
            state__in=SubscriptionRegistration.ACTIVE_STATES
        ).first()
        if active:
            return active, False
        raise
    registration_submit(registration=registration)
    registration.refresh_from_db()
    return registration, True


def _check_registrable(subscription: AzureSubscription) -> None:
    """Only an active, reservation-eligible subscription may be registered (PortalError)."""
    if not subscription.is_active:
        raise PortalError(
            _("This subscription is no longer in Partner Center; sync subscriptions first.")
        )
    if not subscription.is_reservation_eligible:
        raise PortalError(
            _(
                "Only active Azure plans and Azure subscriptions (MS-AZR-0145P) can be registered "
                "for reservations."
            )
        )


def registration_submit(*, registration: SubscriptionRegistration) -> None:
    """POST the register call (same ``MS-RequestId`` every time) and schedule the polling."""
    sub = registration.subscription
    customer = sub.customer
    try:
        get_client().register_subscription(
            str(customer.tenant_id),
            str(sub.subscription_id),
            request_id=registration.ms_request_id,
            correlation_id=registration.correlation_id,
        )
    except PERMANENT as exc:
        _finish(registration, State.FAILED, error=exc, doing="registering the subscription")
        return
    except pc_errors.PartnerCenterError as exc:
        # Throttling, outage, unknown outcome: stay pending; the poller retries (same request id).
        message = pc_error_message(exc, "registering the subscription")
        delay = _backoff(registration.attempts + 1, exc)
        with transaction.atomic():
            SubscriptionRegistration.objects.filter(pk=registration.pk, state=State.PENDING).update(
                last_error=message,
                error_code=str(exc.code or exc.status or type(exc).__name__)[:64],
                next_poll_at=timezone.now() + timedelta(seconds=delay),
            )
            audit_record(
                actor=None,
                action="registration.retrying",
                obj=registration,
                customer=customer,
                summary=message[:255],
                error=message,
            )
            _queue_poll(registration.pk, registration.poll_token, countdown=delay)
        return
    with transaction.atomic():
        SubscriptionRegistration.objects.filter(pk=registration.pk, state=State.PENDING).update(
            state=State.REGISTERING,
            last_error="",
            error_code="",
            next_poll_at=timezone.now() + timedelta(seconds=poll_interval()),
        )
        _queue_poll(registration.pk, registration.poll_token, countdown=poll_interval())


def _backoff(attempt: int, exc: Exception | None = None) -> float:
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        return min(max_backoff(), max(poll_interval(), float(retry_after)))
    return min(max_backoff(), poll_interval() * (2 ** max(0, attempt - 1)))


def _finish(
    registration, state: str, *, error: Exception | str | None = None, doing: str = ""
) -> None:
    now = timezone.now()
    if isinstance(error, pc_errors.PartnerCenterError):
        message = pc_error_message(error, doing)
        code = str(error.code or error.status or "")[:64]
    else:
        message, code = (str(error) if error else ""), ""
    with transaction.atomic():
        updated = SubscriptionRegistration.objects.filter(
            pk=registration.pk, state__in=SubscriptionRegistration.ACTIVE_STATES
        ).update(
            state=state, finished_at=now, last_error=message, error_code=code, claimed_until=None
        )
        if not updated:
            return
        sub_state = {
            State.REGISTERED: SubState.REGISTERED,
            State.FAILED: SubState.NOT_REGISTERED,
        }.get(state)
        if sub_state:
            AzureSubscription.objects.filter(pk=registration.subscription_id).update(
                registration_state=sub_state
            )
        elif state == State.TIMED_OUT:
            AzureSubscription.objects.filter(pk=registration.subscription_id).update(
                registration_state=SubState.UNKNOWN
            )
        sub = registration.subscription
        action = {
            State.REGISTERED: "registration.completed",
            State.FAILED: "registration.failed",
            State.TIMED_OUT: "registration.timed_out",
        }[state]
        audit_record(
            actor=None,
            action=action,
            obj=registration,
            customer=sub.customer,
            summary=(message or f"Subscription {sub} registered for reservations")[:255],
            subscription_id=sub.subscription_id,
            correlation_id=registration.correlation_id,
            request_id=registration.ms_request_id,
            error=message,
        )


def registration_poll(*, registration_id: int, token: str) -> str:
    """One poll of the chain ``token``; schedules the next one. Returns what happened (for logs)."""
    now = timezone.now()
    claimed = SubscriptionRegistration.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=registration_id,
        poll_token=token,
        state__in=SubscriptionRegistration.ACTIVE_STATES,
    ).update(claimed_until=now + lease(), last_polled_at=now)
    if not claimed:
        return "skipped"
    registration = SubscriptionRegistration.objects.select_related("subscription__customer").get(
        pk=registration_id
    )
    try:
        return _poll_once(registration)
    finally:
        SubscriptionRegistration.objects.filter(pk=registration_id, poll_token=token).update(
            claimed_until=None
        )


def _poll_once(registration: SubscriptionRegistration) -> str:
    now = timezone.now()
    attempts = registration.attempts + 1
    SubscriptionRegistration.objects.filter(pk=registration.pk).update(attempts=attempts)
    registration.attempts = attempts
    if registration.polling_until and now >= registration.polling_until:
        _give_up(registration)
        return "timed_out"
    sub = registration.subscription
    if registration.state == State.PENDING:
        registration_submit(registration=registration)
        registration.refresh_from_db()
        return f"submitted:{registration.state}"
    try:
        status = get_client().get_registration_status(
            str(sub.customer.tenant_id),
            str(sub.subscription_id),
            correlation_id=registration.correlation_id,
        )
    except PERMANENT as exc:
        _finish(registration, State.FAILED, error=exc, doing="reading the registration status")
        return "failed"
    except pc_errors.PartnerCenterError as exc:
        message = pc_error_message(exc, "reading the registration status")
        delay = _backoff(attempts, exc)
        with transaction.atomic():
            SubscriptionRegistration.objects.filter(pk=registration.pk).update(
                last_error=message,
                error_code=str(exc.code or exc.status or type(exc).__name__)[:64],
                next_poll_at=now + timedelta(seconds=delay),
            )
            _queue_poll(registration.pk, registration.poll_token, countdown=delay)
        return "retry"
    state = _map_registration_state(status.status)
    label = str(status.status or "")
    if state == SubState.REGISTERED:
        SubscriptionRegistration.objects.filter(pk=registration.pk).update(last_status=label)
        _finish(registration, State.REGISTERED)
        return "registered"
    with transaction.atomic():
        SubscriptionRegistration.objects.filter(pk=registration.pk).update(
            last_status=label,
            last_error="",
            error_code="",
            next_poll_at=now + timedelta(seconds=poll_interval()),
            state=State.PENDING if state == SubState.NOT_REGISTERED else State.REGISTERING,
        )
        # NotRegistered: Partner Center lost or never got the request; the next poll re-submits it.
        _queue_poll(registration.pk, registration.poll_token, countdown=poll_interval())
    return "registering"


def _give_up(registration: SubscriptionRegistration) -> None:
    """Polling ran past its window: timed out, with the last answer and the ids for support."""
    minutes = give_up_after().total_seconds() / 60
    last = registration.last_status or _("no answer")
    hint = (
        " " + _("Last error: %(error)s") % {"error": registration.last_error}
        if registration.last_error
        else ""
    )
    _finish(
        registration,
        State.TIMED_OUT,
        error=_(
            "Gave up after %(minutes)s minutes: Partner Center still reported “%(last)s”. "
            "Check the subscription in Partner Center, then register again or contact Microsoft "
            "support with correlation id %(correlation)s and request id %(request)s."
        )
        % {
            "minutes": f"{minutes:g}",
            "last": last,
            "correlation": registration.correlation_id,
            "request": registration.ms_request_id,
        }
        + hint,
    )


def registration_sweep() -> int:
    """Beat: registrations left in a non-final state whose polling is overdue get a new chain."""
    now = timezone.now()
    grace = lease()
    overdue = SubscriptionRegistration.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        Q(next_poll_at__isnull=True) | Q(next_poll_at__lt=now - grace),
        state__in=SubscriptionRegistration.ACTIVE_STATES,
    ).values_list("pk", "poll_token")
    resumed = 0
    for pk, old_token in list(overdue):
        new_token = uuid.uuid4().hex
        with transaction.atomic():
            took = SubscriptionRegistration.objects.filter(pk=pk, poll_token=old_token).update(
                poll_token=new_token, next_poll_at=now
            )
            if took:
                logger.info("Resuming polling of registration %s (previous poller lost)", pk)
                _queue_poll(pk, new_token)
                resumed += 1
    return resumed


def registration_latest(subscription: AzureSubscription) -> SubscriptionRegistration | None:
    return subscription.registrations.order_by("-requested_at", "-pk").first()
