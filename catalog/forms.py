"""Input parsing for the catalog pages."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.selectors import (
    BILLING_CYCLES,
    PREREQUISITES,
    SEGMENT_CHOICES,
    TERMS,
    VIEW_TABS,
    CatalogFilters,
)
from catalog.services.customer_catalog import customer_catalog_known
from portal.models import Customer


class CatalogFilterForm(forms.Form):
    customer = forms.IntegerField(required=False)
    country = forms.CharField(required=False, max_length=40)
    segment = forms.ChoiceField(
        required=False, choices=[("", gettext_lazy("Any")), *SEGMENT_CHOICES]
    )
    view = forms.ChoiceField(required=False, choices=VIEW_TABS)
    q = forms.CharField(required=False, max_length=200)
    cycle = forms.ChoiceField(required=False, choices=[("", gettext_lazy("Any")), *BILLING_CYCLES])
    term = forms.ChoiceField(required=False, choices=[("", gettext_lazy("Any")), *TERMS])
    prereq = forms.ChoiceField(required=False, choices=[("", gettext_lazy("Any")), *PREREQUISITES])
    unavailable = forms.BooleanField(required=False)

    def parse(self) -> tuple[CatalogFilters, Customer | None]:
        """Filters (invalid values dropped with a message) and the chosen customer, if any."""
        filters = CatalogFilters()
        valid = self.is_valid()
        data = self.cleaned_data if valid else {}
        if not valid:
            for name, errors in self.errors.items():
                filters.errors.append(
                    _("Ignored the %(name)s filter: %(errors)s")
                    % {"name": name, "errors": " ".join(errors)}
                )
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        customer = None
        if data.get("customer"):
            customer = Customer.objects.filter(pk=data["customer"]).first()
            if customer is None:
                filters.errors.append(_("That customer does not exist; choose one from the list."))
        country = (data.get("country") or "").strip().upper()
        if country and (len(country) != 2 or not country.isalpha()):
            filters.errors.append(
                _("'%(country)s' is not a two-letter country code (e.g. US).")
                % {"country": country}
            )
            country = ""
        if customer is not None:
            country = customer.country.upper()
            filters.segment = (customer.segment or "").lower()
            if customer_catalog_known(customer):
                filters.offered_to = customer.pk
        else:
            filters.segment = data.get("segment") or ""
        filters.country = country
        filters.view = data.get("view") or ""
        filters.q = (data.get("q") or "").strip()
        filters.cycle = data.get("cycle") or ""
        filters.term = data.get("term") or ""
        filters.prereq = data.get("prereq") or ""
        filters.include_unavailable = bool(data.get("unavailable"))
        return filters, customer


class InventoryCheckForm(forms.Form):
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.filter(is_active=True).order_by("company_name"),
        error_messages={
            "required": gettext_lazy("Choose the customer."),
            "invalid_choice": gettext_lazy("Unknown customer."),
        },
    )
    azure_subscription = forms.CharField(
        label=gettext_lazy("Azure subscription id"),
        max_length=64,
        help_text=gettext_lazy(
            "The customer's Azure subscription the reservation will be applied to."
        ),
    )
    region = forms.CharField(
        label=gettext_lazy("Region (armRegionName)"), max_length=64, required=False
    )

    def __init__(self, *args, sku=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sku = sku
        region = ((sku.dynamic_attributes or {}).get("armRegionName") or "") if sku else ""
        if region:
            self.fields["region"].initial = region
            self.fields["region"].disabled = True

    def clean_azure_subscription(self) -> str:
        value = self.cleaned_data["azure_subscription"].strip()
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise forms.ValidationError(
                _("An Azure subscription id is a GUID like 5f2c1a7e-0000-4000-8000-000000000000.")
            ) from None

    def context(self) -> dict[str, str]:
        data = self.cleaned_data
        ctx = {"azureSubscriptionId": data["azure_subscription"]}
        if data.get("region"):
            ctx["armRegionName"] = data["region"]
        return ctx
