"""Billing: Partner Center balances, the invoice mirror, imported line items, reconciliation and
stored statement PDFs.

Money is ``DecimalField(max_digits=20, decimal_places=6)`` beside a ``currency`` code; amounts of
different currencies are never added together (totals are grouped by currency).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy, pgettext_lazy

MONEY = {"max_digits": 20, "decimal_places": 6}
# ``Invoice.invoice_type`` of the rows that hold a currency's unbilled one-time lines of a month
# (``billing.services.unbilled``): not a Partner Center invoice, never listed or synced as one.
UNBILLED = "unbilled"


class AccountBalance(models.Model):
    """A snapshot of ``GET /invoices/summary`` (the partner's default currency); newest wins."""

    currency = models.CharField(max_length=3)
    balance_amount = models.DecimalField(**MONEY)
    recurring_balance = models.DecimalField(**MONEY, null=True, blank=True)
    one_time_balance = models.DecimalField(**MONEY, null=True, blank=True)
    last_payment_amount = models.DecimalField(**MONEY, null=True, blank=True)
    last_payment_date = models.DateTimeField(null=True, blank=True)
    accounting_date = models.DateTimeField(null=True, blank=True)
    latest_invoice_date = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(db_index=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-fetched_at", "-id"]
        get_latest_by = "fetched_at"

    def __str__(self) -> str:
        return f"Balance {self.balance_amount} {self.currency} at {self.fetched_at:%Y-%m-%d %H:%M}"


class InvoiceSummary(models.Model):
    """One row per currency from ``GET /invoices/summaries`` (App+User), upserted on refresh."""

    currency = models.CharField(max_length=3, unique=True)
    balance_amount = models.DecimalField(**MONEY)
    recurring_balance = models.DecimalField(**MONEY, null=True, blank=True)
    one_time_balance = models.DecimalField(**MONEY, null=True, blank=True)
    last_payment_amount = models.DecimalField(**MONEY, null=True, blank=True)
    last_payment_date = models.DateTimeField(null=True, blank=True)
    accounting_date = models.DateTimeField(null=True, blank=True)
    latest_invoice_date = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField()
    is_current = models.BooleanField(default=True, help_text="False once PC stops reporting it")
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["currency"]

    def __str__(self) -> str:
        return f"Summary {self.currency}: {self.balance_amount}"


class Invoice(models.Model):
    """Mirror of a Partner Center invoice (``sync_invoices``); never deleted, marked when gone."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("invoice status", "Open")
        PAID = "paid", gettext_lazy("Paid")
        CREDIT = "credit", gettext_lazy("Credit")

    invoice_id = models.CharField("Partner Center invoice id", max_length=None, unique=True)
    invoice_date = models.DateTimeField(null=True, blank=True, db_index=True)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    total_charges = models.DecimalField(**MONEY, default=0)
    paid_amount = models.DecimalField(**MONEY, default=0)
    currency = models.CharField(max_length=3)
    invoice_type = models.CharField(max_length=32, blank=True, db_index=True)
    document_type = models.CharField(max_length=32, blank=True)
    amends_of = models.CharField(max_length=None, blank=True)
    details = models.JSONField(
        default=list, blank=True, help_text="[{provider, line_item_type}] from invoiceDetails"
    )
    pdf_download_link = models.CharField(max_length=500, blank=True)
    is_active = models.BooleanField(default=True, help_text="False when gone from Partner Center")
    raw = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-invoice_date", "-id"]
        indexes = [models.Index(fields=["currency", "invoice_date"])]

    def __str__(self) -> str:
        return self.invoice_id

    @property
    def status(self) -> str:
        """Derived: ``paidAmount`` is negative when a payment was received
        (partner-center.md §7.3)."""
        if self.total_charges < 0 or self.document_type in ("void_note", "adjustment_note"):
            return self.Status.CREDIT
        if self.total_charges + self.paid_amount <= 0:
            return self.Status.PAID
        return self.Status.OPEN

    @property
    def status_label(self) -> str:
        """The derived status in the reader's language (``status`` stays the code)."""
        return self.Status(self.status).label

    @property
    def balance_due(self):
        return self.total_charges + self.paid_amount

    @property
    def type_label(self) -> str:
        return {"onetime": gettext_lazy("One-time"), "recurring": gettext_lazy("Recurring")}.get(
            self.invoice_type, self.invoice_type
        )

    @property
    def is_one_time(self) -> bool:
        return self.invoice_type.replace("_", "").lower() == "onetime"


class InvoiceLineItem(models.Model):
    """One imported line item. ``sequence`` is the line's position in Partner Center's stream of
    that (invoice, provider, type); it is the natural key that makes a re-import skip lines it
    already has instead of duplicating them."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    provider = models.CharField(max_length=16, default="onetime")
    line_item_type = models.CharField(max_length=24, default="billinglineitems")
    sequence = models.PositiveIntegerField()
    customer_tenant_id = models.CharField(max_length=None, blank=True)
    customer_name = models.CharField(max_length=None, blank=True)
    customer_domain = models.CharField(max_length=None, blank=True)
    customer_country = models.CharField(max_length=2, blank=True)
    order_id = models.CharField(max_length=None, blank=True)
    order_date = models.DateTimeField(null=True, blank=True)
    product_id = models.CharField(max_length=None, blank=True)
    sku_id = models.CharField(max_length=None, blank=True)
    availability_id = models.CharField(max_length=None, blank=True)
    product_name = models.CharField(max_length=None, blank=True)
    sku_name = models.CharField(max_length=None, blank=True)
    charge_type = models.CharField(max_length=32, blank=True)
    unit_price = models.DecimalField(**MONEY, null=True, blank=True)
    effective_unit_price = models.DecimalField(**MONEY, null=True, blank=True)
    quantity = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    subtotal = models.DecimalField(**MONEY, null=True, blank=True)
    tax_total = models.DecimalField(**MONEY, null=True, blank=True)
    total_for_customer = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    pricing_currency = models.CharField(max_length=3, blank=True)
    exchange_rate = models.DecimalField(max_digits=20, decimal_places=8, null=True, blank=True)
    subscription_id = models.CharField(max_length=None, blank=True)
    reservation_order_id = models.CharField(max_length=None, blank=True)
    term_and_billing_cycle = models.CharField(max_length=128, blank=True)
    charge_start = models.DateTimeField(null=True, blank=True)
    charge_end = models.DateTimeField(null=True, blank=True)
    publisher_name = models.CharField(max_length=None, blank=True)
    reference_id = models.CharField(max_length=None, blank=True)

    class Meta:
        ordering = ["invoice", "provider", "line_item_type", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "provider", "line_item_type", "sequence"],
                name="billing_line_natural_key",
            )
        ]
        indexes = [
            models.Index(fields=["invoice", "order_id"]),
            models.Index(fields=["invoice", "customer_name"]),
            models.Index(fields=["invoice", "product_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}#{self.sequence} {self.product_name}"


class LineImport(models.Model):
    """Progress and resume point of importing one (invoice, provider, type) line stream.

    ``continuation_token`` is the token of the last *committed* page: it is written in the same
    transaction as that page's rows, so after a crash the import resumes right after them."""

    class State(models.TextChoices):
        QUEUED = "queued", gettext_lazy("Queued")
        RUNNING = "running", gettext_lazy("Running")
        SUCCEEDED = "succeeded", gettext_lazy("Imported")
        FAILED = "failed", gettext_lazy("Failed")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="imports")
    provider = models.CharField(max_length=16, default="onetime")
    line_item_type = models.CharField(max_length=24, default="billinglineitems")
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    continuation_token = models.TextField(blank=True)
    pages_done = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveBigIntegerField(default=0)
    rows_inserted = models.PositiveBigIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "provider", "line_item_type"],
                name="billing_one_import_per_stream",
            )
        ]

    def __str__(self) -> str:
        return f"Import {self.invoice_id} {self.provider}/{self.line_item_type}: {self.state}"

    @property
    def progress_kind(self) -> str:
        return f"invoice_lines:{self.invoice.invoice_id}"


class ReconClass(models.TextChoices):
    MATCHED = "matched", gettext_lazy("Matched")
    AMOUNT_MISMATCH = "amount_mismatch", gettext_lazy("Amount mismatch")
    QUANTITY_MISMATCH = "quantity_mismatch", gettext_lazy("Quantity mismatch")
    BILLED_NOT_ORDERED = (
        "billed_not_ordered",
        gettext_lazy("Billed, not ordered through the portal"),
    )
    ORDERED_NOT_BILLED = "ordered_not_billed", gettext_lazy("Ordered, not billed")
    NOT_COMPARABLE = "not_comparable", gettext_lazy("Not comparable")


MISMATCH_CLASSES = (ReconClass.AMOUNT_MISMATCH, ReconClass.QUANTITY_MISMATCH)


class ReconciliationRun(models.Model):
    """One run of ``reconcile`` for an invoice; its results replace the previous run's."""

    invoice = models.OneToOneField(Invoice, on_delete=models.CASCADE, related_name="recon_run")
    ran_at = models.DateTimeField()
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    tolerance = models.DecimalField(**MONEY)
    lines_checked = models.PositiveIntegerField(default=0)
    orders_checked = models.PositiveIntegerField(default=0)
    summary = models.JSONField(
        default=list,
        blank=True,
        help_text="[{klass, currency, count, expected, billed, difference}]",
    )

    class Meta:
        constraints = [
            # Validated on the way in (tolerance_clean); the database refuses anything else, so
            # no stored tolerance can break the pages that read it.
            models.CheckConstraint(
                condition=models.Q(tolerance__gte=0, tolerance__lte=1_000_000),
                name="recon_run_tolerance_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"Reconciliation of {self.invoice_id} at {self.ran_at:%Y-%m-%d %H:%M}"


class ReconciliationResult(models.Model):
    """The class of one invoice line (or one portal order line that was not billed)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="recon_results")
    klass = models.CharField(max_length=24, choices=ReconClass.choices, db_index=True)
    line = models.ForeignKey(
        InvoiceLineItem, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    order = models.ForeignKey(
        "purchasing.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order_line = models.ForeignKey(
        "purchasing.OrderLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pc_order_id = models.CharField(max_length=None, blank=True)
    customer_name = models.CharField(max_length=None, blank=True)
    product_id = models.CharField(max_length=None, blank=True)
    sku_id = models.CharField(max_length=None, blank=True)
    description = models.CharField(max_length=None, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    expected_quantity = models.DecimalField(**MONEY, null=True, blank=True)
    billed_quantity = models.DecimalField(**MONEY, null=True, blank=True)
    expected_amount = models.DecimalField(**MONEY, null=True, blank=True)
    billed_amount = models.DecimalField(**MONEY, null=True, blank=True)
    difference = models.DecimalField(**MONEY, null=True, blank=True)
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["invoice", "klass"])]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.klass} {self.pc_order_id}"

    @property
    def is_mismatch(self) -> bool:
        return self.klass in MISMATCH_CLASSES


class ReconciliationNote(models.Model):
    """A finance user's note on a reconciled line or order (append-only; the newest counts).

    Notes point at the line / order line rather than the result row, so they survive re-runs."""

    class Status(models.TextChoices):
        NOTE = "note", gettext_lazy("Note")
        ACCEPTED = "accepted", gettext_lazy("Accepted")
        DISPUTED = "disputed", gettext_lazy("Disputed")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="recon_notes")
    line = models.ForeignKey(
        InvoiceLineItem, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    order_line = models.ForeignKey(
        "purchasing.OrderLine", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NOTE)
    text = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    author_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.status}: {self.text[:40]}"


class StatementPdf(models.Model):
    """The invoice's official statement PDF, downloaded by a task and kept in Django storage."""

    class State(models.TextChoices):
        QUEUED = "queued", gettext_lazy("Queued")
        DOWNLOADING = "downloading", gettext_lazy("Downloading")
        RETRYING = "retrying", gettext_lazy("Retrying")
        STORED = "stored", gettext_lazy("Stored")
        FAILED = "failed", gettext_lazy("Failed")

    invoice = models.OneToOneField(Invoice, on_delete=models.CASCADE, related_name="statement")
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to="billing/statements/", blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    requested_at = models.DateTimeField()
    stored_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Statement {self.invoice_id}: {self.state}"


class CustomerStatement(models.Model):
    """What one customer is charged for one month's one-time purchases, at resale price.

    A draft is rebuilt in place by every generation (at most one draft per customer and month);
    once issued it is frozen: its lines, totals, reseller details and PDF never change again. A
    correction is a new statement of the same month that references the one it corrects."""

    class State(models.TextChoices):
        DRAFT = "draft", gettext_lazy("Draft")
        ISSUED = "issued", gettext_lazy("Issued")

    number = models.CharField(gettext_lazy("number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        "portal.Customer", on_delete=models.PROTECT, related_name="charge_statements"
    )
    month = models.DateField(
        gettext_lazy("month"), help_text=gettext_lazy("First day of the month it bills.")
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.DRAFT)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    totals = models.JSONField(default=dict, blank=True, help_text="{currency: amount as text}")
    line_count = models.PositiveIntegerField(default=0)
    computed_count = models.PositiveIntegerField(
        default=0, help_text="Lines priced now because no resale price was recorded."
    )
    generated_at = models.DateTimeField()
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reseller = models.JSONField(default=dict, blank=True, help_text="Name/address at issue.")
    pdf = models.FileField(upload_to="billing/customer-statements/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-month", "customer__company_name", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "month"],
                condition=models.Q(state="draft"),
                name="billing_one_draft_statement",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_issued(self) -> bool:
        return self.state == self.State.ISSUED

    def totals_decimal(self) -> dict:
        return {currency: Decimal(amount) for currency, amount in sorted(self.totals.items())}


class CustomerStatementLine(models.Model):
    """One charge on a statement, with everything the customer sees copied in (an issued
    statement never reads the invoice lines or orders again). No partner cost is kept here."""

    class Source(models.TextChoices):
        INVOICE = "invoice", gettext_lazy("Invoice")
        UNBILLED = "unbilled", gettext_lazy("Unbilled")

    class PriceSource(models.TextChoices):
        RECORDED = "recorded", gettext_lazy("Recorded at checkout")
        COMPUTED = "computed", gettext_lazy("Computed at the charge date")

    statement = models.ForeignKey(CustomerStatement, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    source = models.CharField(max_length=8, choices=Source.choices)
    invoice_number = models.CharField(max_length=64, blank=True)
    pc_order_id = models.CharField(max_length=None, blank=True)
    charge_date = models.DateField()
    product_id = models.CharField(max_length=None, blank=True)
    sku_id = models.CharField(max_length=None, blank=True)
    description = models.CharField(max_length=None, blank=True)
    term = models.CharField(max_length=128, blank=True)
    quantity = models.DecimalField(**MONEY)
    unit_price = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    price_source = models.CharField(max_length=8, choices=PriceSource.choices)
    rule = models.CharField(max_length=220, blank=True)

    class Meta:
        ordering = ["statement", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "position"], name="billing_statement_line_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}#{self.position} {self.description}"
