"""Local mirror of the Partner Center catalog, inventory checks and price sheets.

Rows are keyed by Partner Center ids and upserted in bulk by ``catalog.services``. Rows that are
gone from Partner Center are marked ``is_available=False`` and never deleted: orders refer to them.
Each mirrored row keeps a ``content_hash`` of the Partner Center document so that a re-sync of an
unchanged catalog writes nothing.

Multi-valued attributes that pages filter on are also kept as ``|a|b|`` strings (``*_text``) so
that filters are plain ``icontains`` lookups that work on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Product(models.Model):
    product_id = models.CharField("Partner Center product id", max_length=None, unique=True)
    title = models.CharField(max_length=None)
    description = models.TextField(blank=True)
    product_type = models.CharField(max_length=64, blank=True)  # productType.id, e.g. Azure
    product_subtype = models.CharField(max_length=64, blank=True)  # e.g. VirtualMachines
    target_view = models.CharField(
        max_length=64, blank=True, help_text="Most specific target view the product was seen in"
    )
    target_views = models.CharField(
        max_length=512, blank=True, help_text="Every target view it was seen in, as |A|B|"
    )
    publisher = models.CharField(max_length=None, blank=True)
    is_microsoft_product = models.BooleanField(default=True)
    is_available = models.BooleanField(default=True)
    raw = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    first_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(
        null=True, blank=True, help_text="Last time a sync found it changed or new"
    )

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["target_view"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.product_id})"

    @property
    def target_views_list(self) -> list[str]:
        return [v for v in self.target_views.split("|") if v]


class Sku(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="skus")
    sku_id = models.CharField("Partner Center SKU id", max_length=None)
    title = models.CharField(max_length=None)
    product_title = models.CharField(
        max_length=None, blank=True, help_text="The product's title, to sort SKU tables by"
    )
    description = models.TextField(blank=True)
    min_quantity = models.PositiveIntegerField(default=1)
    max_quantity = models.PositiveBigIntegerField(null=True, blank=True)
    is_trial = models.BooleanField(default=False)
    billing_cycles = models.JSONField(default=list, blank=True)
    prerequisites = models.JSONField(default=list, blank=True)
    inventory_variables = models.JSONField(default=list, blank=True)
    provisioning_variables = models.JSONField(default=list, blank=True)
    dynamic_attributes = models.JSONField(default=dict, blank=True)
    consumption_type = models.CharField(max_length=32, blank=True)
    billing_cycles_text = models.CharField(max_length=255, blank=True)
    prerequisites_text = models.CharField(max_length=255, blank=True)
    search_text = models.TextField(blank=True, help_text="Lower-cased titles and descriptions")
    is_available = models.BooleanField(default=True)
    raw = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    first_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["product__title", "title"]
        # The SKU tables count available SKUs over this narrow index, and walk it in their default
        # order (product title, title) to the page they show instead of sorting every row.
        indexes = [
            models.Index(
                fields=["product_title", "title", "is_available"], name="catalog_sku_sort_idx"
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["product", "sku_id"], name="catalog_sku_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.product.product_id}:{self.sku_id})"

    @property
    def needs_inventory_check(self) -> bool:
        return any(str(p).lower() == "inventorycheck" for p in self.prerequisites or [])

    @property
    def needs_registration(self) -> bool:
        return any(
            str(p).lower() == "azuresubscriptionregistration" for p in self.prerequisites or []
        )


class Availability(models.Model):
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="availabilities")
    availability_id = models.CharField("Partner Center availability id", max_length=None)
    catalog_item_id = models.CharField(max_length=None, db_index=True)
    country = models.CharField(max_length=2)
    segment = models.CharField(max_length=32, blank=True)
    reservation_scope = models.CharField(max_length=32, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    currency_symbol = models.CharField(max_length=8, blank=True)
    terms = models.JSONField(default=list, blank=True)
    term_durations = models.CharField(max_length=128, blank=True, help_text="|P1Y|P3Y|")
    is_purchasable = models.BooleanField(default=True)
    is_renewable = models.BooleanField(default=False)
    is_available = models.BooleanField(default=True, help_text="False once gone from PC")
    raw = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    first_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["country", "segment", "availability_id"]
        verbose_name_plural = "availabilities"
        constraints = [
            models.UniqueConstraint(
                fields=["country", "catalog_item_id"], name="catalog_availability_unique"
            )
        ]
        indexes = [
            models.Index(fields=["country", "segment", "is_available"]),
            # Is a SKU offered (and available) in a country: the list pages ask it per SKU.
            models.Index(fields=["sku", "country", "is_available"], name="catalog_ava_offered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.catalog_item_id} ({self.country}, {self.segment})"

    @property
    def product_id(self) -> str:
        return self.catalog_item_id.split(":")[0]

    @property
    def is_azure_plan_item(self) -> bool:
        """Listed with ``reservationScope=AzurePlan``: a reservation bought for an Azure plan."""
        return self.reservation_scope.lower() == "azureplan"

    @property
    def takes_subscription(self) -> bool:
        """A line of this item names the Azure subscription it is for (Azure reservations)."""
        variables = {str(v).lower() for v in (self.sku.provisioning_variables or [])}
        return "subscriptionid" in variables or self.sku.needs_registration

    @property
    def scope_label(self) -> str:
        """Which subscriptions the item is sold for, in words ('' when it names none)."""
        if self.is_azure_plan_item:
            return _("Azure plan")
        return _("Azure subscription (MS-AZR-0145P)") if self.takes_subscription else ""


class CustomerOffer(models.Model):
    """An availability Partner Center offers to one customer (its customer-scoped catalog)."""

    customer = models.ForeignKey(
        "portal.Customer", on_delete=models.CASCADE, related_name="catalog_offers"
    )
    availability = models.ForeignKey(
        Availability, on_delete=models.CASCADE, related_name="customer_offers"
    )
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "availability"], name="catalog_customer_offer_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.availability} for customer {self.customer_id}"


class InventoryCheck(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", gettext_lazy("Checking")
        AVAILABLE = "available", gettext_lazy("Available")
        RESTRICTED = "restricted", gettext_lazy("Restricted")
        FAILED = "failed", gettext_lazy("Check failed")

    customer = models.ForeignKey(
        "portal.Customer", on_delete=models.CASCADE, related_name="inventory_checks"
    )
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="inventory_checks")
    country = models.CharField(max_length=2)
    context = models.JSONField(default=dict, blank=True, help_text="inventoryContext sent")
    context_key = models.CharField(max_length=64, db_index=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    restrictions = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    requested_at = models.DateTimeField()
    checked_at = models.DateTimeField(null=True, blank=True)
    ms_request_id = models.CharField(max_length=64, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["customer", "sku", "context_key", "state"])]

    def __str__(self) -> str:
        return f"Inventory check {self.pk} ({self.state})"

    @property
    def passed(self) -> bool:
        return self.state == self.State.AVAILABLE


class PriceSheetEntry(models.Model):
    """One price sheet row (market, view, product, SKU, term, billing plan, tier, start)."""

    row_key = models.CharField(max_length=64, unique=True)
    market = models.CharField(max_length=2)
    view = models.CharField(max_length=64)
    product_id = models.CharField(max_length=None)
    sku_id = models.CharField(max_length=None)
    product_title = models.CharField(max_length=None, blank=True)
    sku_title = models.CharField(max_length=None, blank=True)
    unit_of_measure = models.CharField(max_length=64, blank=True)
    term_duration = models.CharField(max_length=16, blank=True)
    billing_plan = models.CharField(max_length=32, blank=True)
    currency = models.CharField(max_length=3)
    unit_price = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    erp_price = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    tier_min = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    tier_max = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    effective_start = models.DateTimeField(null=True, blank=True)
    effective_end = models.DateTimeField(null=True, blank=True)
    tags = models.CharField(max_length=128, blank=True)
    is_current = models.BooleanField(default=True, help_text="In the latest sheet downloaded")
    content_hash = models.CharField(max_length=64, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["market", "product_id", "sku_id", "term_duration", "billing_plan"]
        verbose_name_plural = "price sheet entries"
        indexes = [models.Index(fields=["market", "product_id", "sku_id"])]

    def __str__(self) -> str:
        return f"{self.product_id}:{self.sku_id} {self.term_duration} {self.unit_price}"


# Resale pricing lives in its own package; importing it here registers its models with the app.
from catalog.pricing.models import CustomerGroup, MarkupRule  # noqa: E402, F401


class CatalogVersion(models.Model):
    """One row whose token the database changes (triggers, migration ``0007``) whenever a product,
    SKU, availability or customer offer is written, by any process: the SKU tables' cached counts
    and page ids (``catalog.listing_cache``) are keyed by it, so a write makes them unreachable."""

    token = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.token
