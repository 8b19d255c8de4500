"""Forms of the markup rule and customer group pages."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.pricing.models import CustomerGroup, MarkupRule
from catalog.pricing.services import RULE_FIELDS
from portal.models import Customer
from portal.shared.params import MAX_ID


class DateInput(forms.DateInput):
    input_type = "date"


class MarkupRuleForm(forms.ModelForm):
    class Meta:
        model = MarkupRule
        fields = RULE_FIELDS
        widgets = {
            "effective_from": DateInput(format="%Y-%m-%d"),
            "effective_to": DateInput(format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.filter(is_active=True).order_by(
            "company_name"
        )
        self.fields["customer"].empty_label = _("All customers")
        self.fields["group"].empty_label = _("No group")
        self.fields["family"].choices = [("", _("Any family")), *self.fields["family"].choices[1:]]
        self.fields["product_id"].help_text = _("Partner Center product id; empty for any product.")
        self.fields["sku_id"].help_text = _("With a product id; empty for every SKU of it.")


class CustomerChoices(forms.ModelMultipleChoiceField):
    """Customers by id; an id no database column can hold is an invalid choice, not a 500."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk)
            if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                    params={"pk": text[:30]},
                )  # fmt: skip
        return super()._check_values(value)


class CustomerGroupForm(forms.ModelForm):
    class Meta:
        model = CustomerGroup
        fields = ["name", "customers"]
        field_classes = {"customers": CustomerChoices}
        widgets = {"customers": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customers"].queryset = Customer.objects.filter(is_active=True).order_by(
            "company_name"
        )
