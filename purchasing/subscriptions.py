"""Which of a customer's Azure subscriptions a reservation can be bought for.

Partner Center keeps two reservation catalogs: items listed with ``reservationScope=AzurePlan`` are
bought for an Azure plan, the others for an MS-AZR-0145P subscription. Either way the subscription
must be active and registered for reservations. Microsoft 365 and other licence subscriptions never
carry a reservation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from portal.models import AzureSubscription, Customer

AZURE_PLAN_OFFER = "DZH318Z0BPS6"  # the Azure plan product; its subscriptions' offer ids start so
LEGACY_AZURE_OFFER = "MS-AZR-0145P"


def subscription_kind(subscription: AzureSubscription) -> str:
    """``azure_plan``, ``azure_legacy`` (MS-AZR-0145P) or ``other`` (licences, marketplace...)."""
    offer = (subscription.offer_id or "").upper()
    if offer.startswith(AZURE_PLAN_OFFER):
        return "azure_plan"
    if offer.startswith(LEGACY_AZURE_OFFER):
        return "azure_legacy"
    return "other"


def subscription_fit_problem(*, subscription: AzureSubscription, availability) -> str:
    """Why ``subscription`` cannot carry ``availability`` ('' when it can)."""
    kind = subscription_kind(subscription)
    name = str(subscription)
    if kind == "other":
        return _("%(name)s is not an Azure subscription; reservations are bought for Azure.") % {
            "name": name
        }
    if availability.is_azure_plan_item and kind != "azure_plan":
        return _(
            "%(name)s is an MS-AZR-0145P subscription, but this item is from the Azure plan "
            "catalog; pick an Azure plan, or the same item listed for Azure subscriptions."
        ) % {"name": name}
    if not availability.is_azure_plan_item and kind != "azure_legacy":
        return _(
            "%(name)s is an Azure plan, but this item is for MS-AZR-0145P subscriptions; add the "
            "same item listed for Azure plans instead."
        ) % {"name": name}
    if not subscription.is_active or (subscription.status or "active").lower() != "active":
        return _("%(name)s is not active (%(status)s).") % {
            "name": name,
            "status": subscription.status or _("inactive"),
        }
    if (
        availability.sku.needs_registration
        and subscription.registration_state != AzureSubscription.RegistrationState.REGISTERED
    ):
        return _(
            "Subscription %(name)s is not registered for Azure reservations yet; an administrator "
            "registers it on the customer's page (Registrations)."
        ) % {"name": name}
    return ""


@dataclass
class SubscriptionChoices:
    fitting: list[AzureSubscription] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # why a same-kind subscription is missing


def subscriptions_for(*, customer: Customer, availability) -> SubscriptionChoices:
    """The customer's subscriptions that can carry ``availability``, and why the others of the
    right kind (inactive, not registered) are not offered. Other kinds are left out silently."""
    wanted = "azure_plan" if availability.is_azure_plan_item else "azure_legacy"
    choices = SubscriptionChoices()
    subs = AzureSubscription.objects.filter(customer=customer, is_active=True).order_by(
        "friendly_name", "subscription_id"
    )
    for sub in subs:
        if subscription_kind(sub) != wanted:
            continue
        problem = subscription_fit_problem(subscription=sub, availability=availability)
        if problem:
            choices.left_out.append(problem)
        else:
            choices.fitting.append(sub)
    return choices
