"""Markup rules and customer groups (models of the ``catalog`` app)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.pricing import engine

MONEY = {"max_digits": 20, "decimal_places": 6}


class ProductFamily(models.TextChoices):
    SOFTWARE = engine.FAMILY_SOFTWARE, _("Software subscription")
    PERPETUAL = engine.FAMILY_PERPETUAL, _("Perpetual software")
    AZURE_RESERVATION = engine.FAMILY_AZURE_RESERVATION, _("Azure reservation")


class CustomerGroup(models.Model):
    """Customers that share markup rules (a customer may belong to several groups)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    customers = models.ManyToManyField(
        "portal.Customer", related_name="pricing_groups", blank=True, verbose_name=_("customers")
    )

    class Meta:
        app_label = "catalog"
        ordering = ["name"]
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")

    def __str__(self) -> str:
        return self.name


class MarkupRule(models.Model):
    """A markup on partner cost for a scope (customer or group x item x term) and dates."""

    class Kind(models.TextChoices):
        PERCENT = engine.KIND_PERCENT, _("Percent of partner cost")
        FIXED = engine.KIND_FIXED, _("Fixed amount per unit")

    description = models.CharField(_("description"), max_length=200)
    kind = models.CharField(_("markup"), max_length=16, choices=Kind.choices)
    value = models.DecimalField(
        _("value"), **MONEY, help_text=_("Percent (e.g. 15 for 15 %) or amount per unit.")
    )
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("Only for a fixed amount.")
    )
    customer = models.ForeignKey(
        "portal.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="markup_rules",
        verbose_name=_("customer"),
    )
    group = models.ForeignKey(
        CustomerGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="markup_rules",
        verbose_name=_("customer group"),
    )
    family = models.CharField(
        _("product family"), max_length=32, blank=True, choices=ProductFamily.choices
    )
    product_id = models.CharField(_("product id"), max_length=64, blank=True)
    sku_id = models.CharField(_("SKU id"), max_length=64, blank=True)
    term_duration = models.CharField(
        _("term"), max_length=16, blank=True, help_text=_("e.g. P1Y; empty for any term.")
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(
        _("effective to"), null=True, blank=True, help_text=_("Last day; empty for no end.")
    )
    allow_negative = models.BooleanField(
        _("allow a negative price"),
        default=False,
        help_text=_("Without it a price below zero is refused or sold at zero."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        app_label = "catalog"
        ordering = ["-effective_from", "description"]
        verbose_name = _("markup rule")
        verbose_name_plural = _("markup rules")
        indexes = [models.Index(fields=["effective_from", "effective_to"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.description}"

    @property
    def label(self) -> str:
        """What an order line records about the rule: id and description."""
        return f"#{self.pk} {self.description}"

    @property
    def precedence(self) -> tuple[int, int, int]:
        return engine.rule_precedence(self)

    def clean(self) -> None:
        self.currency = (self.currency or "").upper()
        self.product_id = (self.product_id or "").strip()
        self.sku_id = (self.sku_id or "").strip()
        self.term_duration = (self.term_duration or "").strip().upper()
        errors = engine.rule_problems(self)
        if not errors:
            others = MarkupRule.objects.exclude(pk=self.pk).filter(
                customer_id=self.customer_id,
                group_id=self.group_id,
                family=self.family,
                product_id__iexact=self.product_id,
                sku_id__iexact=self.sku_id,
                term_duration__iexact=self.term_duration,
            )
            clash = next((o for o in others if engine.rules_overlap(self, o)), None)
            if clash is not None:
                errors["effective_from"] = [
                    _(
                        "Rule %(rule)s has the same scope and overlapping dates; change its dates "
                        "or this rule's."
                    )
                    % {"rule": clash.label}
                ]
        if errors:
            raise ValidationError(errors)
