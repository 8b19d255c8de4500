"""Purchasing: carts, the checkout state machine, orders (mirrors of Partner Center orders),
entitlements and reservations, approvals.

Safety rules encoded here (see ``purchasing/services/checkout/`` for the flow):
- one open cart per customer (conditional unique constraint);
- one ``Checkout`` per cart (``OneToOneField``) whose ``ms_request_id`` is generated and stored
  before the first Partner Center call and reused by every retry;
- one local ``Order`` per Partner Center order (``pc_order_id`` unique).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Customer

MONEY = {"max_digits": 20, "decimal_places": 6}


class BillingCycle(models.TextChoices):
    ONE_TIME = "one_time", gettext_lazy("One-time")
    MONTHLY = "monthly", gettext_lazy("Monthly")
    ANNUAL = "annual", gettext_lazy("Annual")
    TRIENNIAL = "triennial", gettext_lazy("Triennial")
    NONE = "none", gettext_lazy("None")


class Cart(models.Model):
    """A customer's cart, kept locally and mirrored to a Partner Center cart."""

    class State(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        CHECKED_OUT = "checked_out", gettext_lazy("Checked out")
        ABANDONED = "abandoned", gettext_lazy("Abandoned")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="carts")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    # The cart a group retry was built from (failed order groups are retried in a new cart).
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )
    pc_cart_id = models.CharField("Partner Center cart id", max_length=None, blank=True)
    pc_status = models.CharField(max_length=16, blank=True)
    pc_expires_at = models.DateTimeField(null=True, blank=True)
    pc_modified_at = models.DateTimeField(null=True, blank=True)
    pc_synced_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every local change; the PC cart is in step when pc_version == version.
    version = models.PositiveIntegerField(default=0)
    pc_version = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(state="open"),
                name="one_open_cart_per_customer",
            )
        ]

    def __str__(self) -> str:
        return f"Cart {self.pk} of {self.customer}"

    @property
    def in_step(self) -> bool:
        return bool(self.pc_cart_id) and self.pc_version == self.version


class Checkout(models.Model):
    """The state machine of one cart's checkout; persisted before Partner Center is called."""

    class State(models.TextChoices):
        DRAFT = "draft", gettext_lazy("Draft")
        AWAITING_APPROVAL = "awaiting_approval", gettext_lazy("Awaiting approval")
        REJECTED = "rejected", gettext_lazy("Rejected")
        SUBMITTING = "submitting", gettext_lazy("Submitting")
        SUBMITTED = "submitted", gettext_lazy("Submitted")
        PARTIALLY_SUBMITTED = "partially_submitted", gettext_lazy("Partially submitted")
        FAILED = "failed", gettext_lazy("Failed")
        OUTCOME_UNKNOWN = "outcome_unknown", gettext_lazy("Outcome unknown")

    FINAL_STATES = (State.SUBMITTED, State.PARTIALLY_SUBMITTED, State.FAILED, State.REJECTED)

    # One checkout per cart: a second submit of the same cart finds this row (double clicks,
    # two tabs, two users) instead of creating a second Partner Center checkout.
    cart = models.OneToOneField(Cart, on_delete=models.PROTECT, related_name="checkout")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="checkouts")
    state = models.CharField(max_length=24, choices=State.choices, default=State.DRAFT)
    # Partner Center's idempotency key: generated with the row, reused by every attempt.
    ms_request_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    correlation_id = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    estimated_total = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    reconcile_attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(blank=True)
    order_errors = models.JSONField(default=list, blank=True)
    duplicate_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"Checkout {self.pk} ({self.state})"

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL_STATES


class FollowUp(models.TextChoices):
    WAITING = "waiting", gettext_lazy("Waiting for Partner Center")
    DONE = "done", gettext_lazy("Done")
    FAILED = "failed", gettext_lazy("Stopped")


class Order(models.Model):
    """A Partner Center order: placed through the portal (awaiting until it shows in PC's lists)
    or imported from PC by the periodic sync."""

    class SyncState(models.TextChoices):
        AWAITING = "awaiting", gettext_lazy("Awaiting Partner Center")
        CONFIRMED = "confirmed", gettext_lazy("Confirmed")
        ATTENTION = "attention", gettext_lazy("Needs attention")

    class Source(models.TextChoices):
        PORTAL = "portal", gettext_lazy("Portal")
        EXTERNAL = "external", gettext_lazy("Partner Center")

    pc_order_id = models.CharField("Partner Center order id", max_length=None, unique=True)
    alternate_id = models.CharField(max_length=None, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    checkout = models.ForeignKey(
        Checkout, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    order_group = models.CharField(max_length=32, blank=True)
    billing_cycle = models.CharField(max_length=16, choices=BillingCycle.choices, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    total_price = models.DecimalField(**MONEY, null=True, blank=True)
    status = models.CharField(max_length=16, blank=True, help_text="pending/completed/cancelled")
    pc_status = models.CharField(max_length=32, blank=True, help_text="status as PC spells it")
    transaction_type = models.CharField(max_length=32, blank=True)
    sync_state = models.CharField(
        max_length=16, choices=SyncState.choices, default=SyncState.AWAITING
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.PORTAL)
    created_at = models.DateTimeField(help_text="Partner Center creation date")
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    correlation_id = models.CharField(max_length=64, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirm_deadline = models.DateTimeField(null=True, blank=True)
    sync_attempts = models.PositiveIntegerField(default=0)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    provisioning_status = models.CharField(max_length=32, blank=True)
    provisioning_checked_at = models.DateTimeField(null=True, blank=True)
    # After confirmation: followed until its entitlements are mirrored (purchasing.services.followup).
    followup_state = models.CharField(
        max_length=16, choices=FollowUp.choices, blank=True, default=""
    )
    followup_message = models.CharField(max_length=255, blank=True)
    followup_attempts = models.PositiveIntegerField(default=0)
    followup_checked_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-created_at"]),
            models.Index(fields=["sync_state", "confirm_deadline"]),
            models.Index(fields=["billing_cycle", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.alternate_id or self.pc_order_id


PROVISIONING_LABELS = {
    "fulfilled": gettext_lazy("Fulfilled"),
    "prefulfillment_pending": gettext_lazy("Pending fulfilment"),
    "prefulfillmentpending": gettext_lazy("Pending fulfilment"),
    "unfulfilled": gettext_lazy("Unfulfilled"),
    "mixed": gettext_lazy("Partly fulfilled"),
}
PROVISIONING_FINAL = {"fulfilled", "cancelled"}
SUBSCRIPTION_STATUS_LABELS = {
    "success": gettext_lazy("Subscription provisioned"),
    "pending": gettext_lazy("Subscription being provisioned"),
    "failed": gettext_lazy("Subscription provisioning failed"),
}


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    offer_id = models.CharField(max_length=None, help_text="catalog item id or legacy offer id")
    product_id = models.CharField(max_length=None, blank=True)
    sku_id = models.CharField(max_length=None, blank=True)
    friendly_name = models.CharField(max_length=None, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    term_duration = models.CharField(max_length=16, blank=True)
    subscription_id = models.CharField(max_length=None, blank=True)
    # Expected partner cost: the price sheet price the salesperson accepted at checkout (billing
    # reconciliation compares invoice lines against unit_price x quantity).
    unit_price = models.DecimalField(**MONEY, null=True, blank=True)
    extended_price = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    price_effective_start = models.DateTimeField(null=True, blank=True)
    price_effective_end = models.DateTimeField(null=True, blank=True)
    # Resale price recorded at checkout (in ``currency``) and a snapshot of the markup rule behind
    # it: later rule changes or deletions never rewrite them. No rule: sold at cost, rule id null.
    resale_unit_price = models.DecimalField(**MONEY, null=True, blank=True)
    resale_rule_id = models.PositiveBigIntegerField(null=True, blank=True)
    resale_rule = models.CharField(max_length=220, blank=True, help_text="#id description")
    provisioning_context = models.JSONField(default=dict, blank=True)
    provisioning_status = models.CharField(max_length=32, blank=True)
    provisioning_checked_at = models.DateTimeField(null=True, blank=True)
    transaction_type = models.CharField(max_length=32, blank=True)
    # Software subscriptions: the subscription's provisioning status (success/pending/failed).
    subscription_status = models.CharField(max_length=32, blank=True)
    subscription_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order_id", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_number"], name="order_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.order} #{self.line_number}"

    @property
    def catalog_item_id(self) -> str:
        return self.offer_id

    @property
    def subscription_status_label(self) -> str:
        return SUBSCRIPTION_STATUS_LABELS.get(self.subscription_status, self.subscription_status)

    @property
    def provisioning_label(self) -> str:
        value = self.provisioning_status or ""
        return PROVISIONING_LABELS.get(value.lower(), value.replace("_", " ").capitalize())

    @property
    def line_total(self):
        if self.unit_price is not None:
            return self.unit_price * self.quantity
        return self.extended_price

    @property
    def resale_total(self):
        return None if self.resale_unit_price is None else self.resale_unit_price * self.quantity


class OrderEvent(models.Model):
    """History of an order's status and sync state (re-syncs append only when something changed)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    field = models.CharField(max_length=32)
    old_value = models.CharField(max_length=64, blank=True)
    new_value = models.CharField(max_length=64, blank=True)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["order_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.order} {self.field}: {self.old_value} -> {self.new_value}"


class CartLine(models.Model):
    """One catalog item in a cart, with what Partner Center said about it."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    availability = models.ForeignKey(
        "catalog.Availability", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Snapshot of what the salesperson chose (the catalog may change underneath).
    catalog_item_id = models.CharField(max_length=None)
    product_id = models.CharField(max_length=None, blank=True)
    sku_id = models.CharField(max_length=None, blank=True)
    pc_availability_id = models.CharField(max_length=None, blank=True)
    title = models.CharField(max_length=None, blank=True)
    product_type = models.CharField(max_length=64, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    billing_cycle = models.CharField(max_length=16, choices=BillingCycle.choices)
    term_duration = models.CharField(max_length=16, blank=True)
    provisioning_context = models.JSONField(default=dict, blank=True)
    # Partner cost from the mirrored price sheet: the current price (refreshed at review; the one
    # the order records) and the price seen when the line was added (for "changed since added").
    unit_price = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    price_billing_plan = models.CharField(max_length=32, blank=True)
    price_effective_start = models.DateTimeField(null=True, blank=True)
    price_effective_end = models.DateTimeField(null=True, blank=True)
    price_checked_at = models.DateTimeField(null=True, blank=True)
    added_unit_price = models.DecimalField(**MONEY, null=True, blank=True)
    added_currency = models.CharField(max_length=3, blank=True)
    # Partner Center's view of the line.
    pc_line_id = models.IntegerField(null=True, blank=True)
    order_group = models.CharField(max_length=32, blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    error_description = models.TextField(blank=True)
    # Re-validation at review: what changed since the line was added, and who accepted it.
    change_note = models.TextField(blank=True)
    change_confirmed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cart_id", "id"]

    def __str__(self) -> str:
        return f"{self.title or self.catalog_item_id} x{self.quantity}"

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.change_note) and not self.change_confirmed

    @property
    def line_total(self):
        return None if self.unit_price is None else self.unit_price * self.quantity

    @property
    def error_text(self) -> str:
        """Partner Center's refusal of this line, led by what it means for the salesperson."""
        lead = str(CART_LINE_ERRORS.get(self.error_code, _("Partner Center refused this line.")))
        said = self.error_description.strip()
        if not said:
            return lead
        return _("%(lead)s Partner Center said: %(said)s") % {"lead": lead, "said": said}


# CartErrorCode -> what it means for whoever fixes the line.
CART_LINE_ERRORS = {
    "10001": gettext_lazy(
        "This catalog item is no longer sold under this id; remove the line and add the item "
        "again from the catalog."
    ),
    "10003": gettext_lazy(
        "Partner Center has no capacity for this reservation on this subscription and region."
    ),
    "10007": gettext_lazy("The subscription on this line is not one of the customer's."),
    "10008": gettext_lazy("The subscription on this line cannot carry this reservation."),
    "10010": gettext_lazy(
        "Partner Center refused the line as entered (quantity, term, billing or provisioning)."
    ),
    "10011": gettext_lazy(
        "The subscription on this line is not registered for Azure reservations yet."
    ),
}


class Approval(models.Model):
    """A checkout waiting for a finance or admin user (rules in settings/PortalSetting)."""

    class State(models.TextChoices):
        PENDING = "pending", gettext_lazy("Pending")
        APPROVED = "approved", gettext_lazy("Approved")
        REJECTED = "rejected", gettext_lazy("Rejected")

    checkout = models.OneToOneField(Checkout, on_delete=models.CASCADE, related_name="approval")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    reasons = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Approval of {self.checkout} ({self.state})"


class Notification(models.Model):
    """An in-portal message to one user (approval decided, order needs attention, ...)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="purchasing_notifications"
    )
    message = models.CharField(max_length=None)
    url = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.message


class Entitlement(models.Model):
    """A mirror of one Partner Center entitlement (App+User), keyed by order + line + type."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="entitlements")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="entitlements"
    )
    pc_order_id = models.CharField(max_length=None)
    order_line_id = models.CharField(max_length=None, blank=True)
    entitlement_type = models.CharField(max_length=32)
    product_id = models.CharField(max_length=None, blank=True)
    sku_id = models.CharField(max_length=None, blank=True)
    title = models.CharField(max_length=None, blank=True)
    quantity = models.PositiveIntegerField(default=0)
    fulfillment_state = models.CharField(max_length=32, blank=True)
    expiry_date = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True, help_text="False when gone from Partner Center")
    raw = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["customer_id", "expiry_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "pc_order_id", "order_line_id", "entitlement_type"],
                name="entitlement_unique",
            )
        ]
        indexes = [models.Index(fields=["entitlement_type", "expiry_date"])]

    def __str__(self) -> str:
        return f"{self.entitlement_type} {self.product_id}:{self.sku_id} x{self.quantity}"


class Reservation(models.Model):
    """Azure reservation details behind a reservedinstance entitlement's artifact link."""

    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.CASCADE, related_name="reservations"
    )
    reservation_order_id = models.CharField(max_length=None, help_text="artifact resourceId")
    reservation_id = models.CharField(max_length=None)
    display_name = models.CharField(max_length=None, blank=True)
    reservation_type = models.CharField(max_length=32, blank=True)
    scope_type = models.CharField(max_length=16, blank=True)
    applied_scopes = models.JSONField(default=list, blank=True)
    region = models.CharField(max_length=64, blank=True)
    term = models.CharField(max_length=16, blank=True)
    quantity = models.PositiveIntegerField(default=0)
    effective_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    provisioning_state = models.CharField(max_length=32, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["expires_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reservation_id"], name="reservation_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.reservation_id
