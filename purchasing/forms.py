"""Purchasing forms: input parsing for cart lines."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from purchasing.subscriptions import subscriptions_for


class CartLineForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, initial=1, label=gettext_lazy("Quantity"))
    billing_cycle = forms.ChoiceField(choices=(), label=gettext_lazy("Billing cycle"))
    term_duration = forms.ChoiceField(
        choices=(), required=False, label=gettext_lazy("Term duration")
    )
    subscription_id = forms.ChoiceField(
        choices=(), required=False, label=gettext_lazy("Azure subscription")
    )
    scope = forms.ChoiceField(
        choices=(("", "—"), ("shared", gettext_lazy("Shared")), ("single", gettext_lazy("Single"))),
        required=False,
        label=gettext_lazy("Scope"),
    )

    def __init__(self, *args, availability, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.availability = availability
        sku = availability.sku
        cycles = [str(c).lower() for c in (sku.billing_cycles or [])] or ["one_time"]
        self.fields["billing_cycle"].choices = [(c, c.replace("_", "-")) for c in cycles]
        terms = [t for t in (availability.terms or []) if isinstance(t, dict) and t.get("duration")]
        self.fields["term_duration"].choices = [
            (t["duration"], f"{t['duration']}: {t.get('description', '')}") for t in terms
        ] or [("", "—")]
        self.fields["quantity"].help_text = (
            _("%(min)s to %(max)s") % {"min": sku.min_quantity, "max": sku.max_quantity}
            if sku.max_quantity
            else _("at least %(min)s") % {"min": sku.min_quantity}
        )
        variables = {str(v).lower() for v in (sku.provisioning_variables or [])}
        self.needs_subscription = "subscriptionid" in variables or sku.needs_registration
        self.needs_scope = "scope" in variables
        self.scope_label = availability.scope_label
        self.subscriptions_left_out: list[str] = []
        if self.needs_subscription:
            choices = subscriptions_for(customer=customer, availability=availability)
            self.subscriptions_left_out = choices.left_out
            self.fields["subscription_id"].choices = [("", _("— choose —"))] + [
                (str(s.subscription_id), f"{s.friendly_name or s.offer_name} ({s.subscription_id})")
                for s in choices.fitting
            ]
            self.fields["subscription_id"].label = f"{self.scope_label}"
            self.fields["subscription_id"].help_text = (
                _("Only subscriptions that can carry this reservation are offered.")
                if choices.fitting
                else _("%(name)s has no %(scope)s that can carry this reservation yet.")
                % {"name": customer.company_name, "scope": self.scope_label}
            )
        else:
            del self.fields["subscription_id"]
        if not self.needs_scope:
            del self.fields["scope"]

    def provisioning_context(self) -> dict[str, str]:
        data = self.cleaned_data
        context = {}
        if data.get("subscription_id"):
            context["subscriptionId"] = data["subscription_id"]
        if data.get("scope"):
            context["scope"] = data["scope"]
        variables = {str(v).lower() for v in (self.availability.sku.provisioning_variables or [])}
        if "duration" in variables:
            years = "3Year" if "3" in (data.get("term_duration") or "") else "1Year"
            context["duration"] = years
        return context


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, max_value=10_000_000)
