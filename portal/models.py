"""Models that span apps: customers (a Partner Center mirror), staff profiles, audit events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    """A Partner Center customer, mirrored by ``sync_customers``; never deleted, only deactivated."""

    tenant_id = models.UUIDField("Partner Center customer id", unique=True)
    company_name = models.CharField(max_length=None)
    domain = models.CharField(max_length=None, blank=True)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 billing country")
    currency = models.CharField(max_length=3, blank=True)
    segment = models.CharField(max_length=32, default="commercial")
    is_active = models.BooleanField(default=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["company_name"]
        indexes = [models.Index(fields=["company_name"]), models.Index(fields=["domain"])]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.country})"


class StaffProfile(models.Model):
    """Per-user preferences: the time zone dates are shown in, the portal's language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    # A code of settings.LANGUAGES; empty: the browser's Accept-Language decides.
    language = models.CharField(max_length=16, blank=True, default="")

    def __str__(self) -> str:
        return f"Profile of {self.user}"


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit event."""


# Deleting a user or customer sets the event's reference to NULL (the names stay in the row).
_AUDIT_NULLABLE_REFERENCES = {"actor", "actor_id", "customer", "customer_id"}


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if set(kwargs) <= _AUDIT_NULLABLE_REFERENCES and all(v is None for v in kwargs.values()):
            return super().update(**kwargs)
        raise AuditLogIsAppendOnly("Audit events cannot be changed.")

    def delete(self):
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """An append-only record of who did what: purchases, registrations, settings changes.

    Append-only below the admin too: saving an existing event, ``update()`` and ``delete()``
    raise ``AuditLogIsAppendOnly``, and database triggers (migration 0006) refuse UPDATE/DELETE.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=128, blank=True)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL)
    summary = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["action", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name or 'system'} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


class SyncState(models.Model):
    """Progress and freshness of one kind of background job (e.g. ``customers``, ``catalog:US``).

    Pages show a progress bar from ``done``/``total`` while ``running`` and a stale-data warning
    from ``last_success_at``; ``/healthz`` reports the age of the last success per kind.
    """

    kind = models.CharField(max_length=None, unique=True)
    running = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(null=True, blank=True)
    message = models.CharField(max_length=255, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.kind

    @property
    def failed_last(self) -> bool:
        """True when the most recent finished attempt failed."""
        if not self.last_error_at:
            return False
        return not self.last_success_at or self.last_error_at > self.last_success_at

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, int(self.done * 100 / self.total))


class AzureSubscription(models.Model):
    """A customer's Azure plan/subscription, mirrored by ``sync_subscriptions``."""

    class RegistrationState(models.TextChoices):
        NOT_REGISTERED = "not_registered", _("Not registered")
        REGISTERING = "registering", _("Registering")
        REGISTERED = "registered", _("Registered")
        UNKNOWN = "unknown", _("Unknown")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="subscriptions")
    subscription_id = models.UUIDField("Partner Center subscription id", unique=True)
    offer_id = models.CharField(max_length=None, blank=True)
    offer_name = models.CharField(max_length=None, blank=True)
    friendly_name = models.CharField(max_length=None, blank=True)
    status = models.CharField(max_length=32, blank=True)
    billing_type = models.CharField(max_length=32, blank=True)
    is_reservation_eligible = models.BooleanField(default=False)
    registration_state = models.CharField(
        max_length=16, choices=RegistrationState.choices, default=RegistrationState.UNKNOWN
    )
    raw = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["customer_id", "friendly_name"]

    def __str__(self) -> str:
        return self.friendly_name or str(self.subscription_id)


class SubscriptionRegistration(models.Model):
    """One admin's request to register a subscription for reservations, polled to completion."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        REGISTERING = "registering", _("Registering")
        REGISTERED = "registered", _("Registered")
        FAILED = "failed", _("Failed")
        TIMED_OUT = "timed_out", _("Timed out")

    ACTIVE_STATES = (State.PENDING, State.REGISTERING)
    FINAL_STATES = (State.REGISTERED, State.FAILED, State.TIMED_OUT)

    subscription = models.ForeignKey(
        AzureSubscription, on_delete=models.CASCADE, related_name="registrations"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    ms_request_id = models.CharField(max_length=64, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    polling_until = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Identifies the one live chain of polling tasks; the beat sweep replaces it to take over.
    poll_token = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # At most one registration in progress per subscription (double clicks, two admins).
            models.UniqueConstraint(
                fields=["subscription"],
                condition=models.Q(state__in=["pending", "registering"]),
                name="one_active_registration_per_subscription",
            )
        ]
        indexes = [models.Index(fields=["state", "next_poll_at"])]

    def __str__(self) -> str:
        return f"Registration of {self.subscription} ({self.state})"

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL_STATES


class PartnerCenterConnection(models.Model):
    """The App+User sign-in: the MSAL token cache, encrypted (Fernet, key from SECRET_KEY)."""

    name = models.CharField(max_length=32, unique=True, default="default")
    token_cache_encrypted = models.BinaryField(blank=True, default=b"")
    username = models.CharField(max_length=255, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    home_account_id = models.CharField(max_length=255, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    connected_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Partner Center connection ({self.username or 'not signed in'})"


class PortalSetting(models.Model):
    """A key/value setting admins change in the portal (e.g. ``perpetual_software_qualified``)."""

    key = models.CharField(max_length=100, unique=True)
    value = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key
