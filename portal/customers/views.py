"""Customer pages (admins and sales): list with "Sync now", detail with Azure subscriptions and
their reservation registration (live via HTMX polling), and the registrations list."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.customers.selectors import (
    customer_search,
    customer_subscriptions,
    registration_search,
    subscription_with_registration,
    unmirrored_customer_id,
)
from portal.customers.services.lookups import customer_fetch_enqueue, customer_implied
from portal.customers.services.registrations import registration_start
from portal.customers.services.sync import (
    CUSTOMERS_KIND,
    customer_sync_enqueue,
    subscription_sync_enqueue,
    subscriptions_kind,
)
from portal.models import Customer, SubscriptionRegistration, SyncState
from portal.shared.errors import PortalError
from portal.shared.exports import Column, cell_time, export_csv, wants_csv
from portal.shared.htmx import render_page
from portal.shared.mirror import fetch_state
from portal.shared.mirror_views import FetchPage, fetch_page, fetch_status
from portal.shared.params import Params
from portal.shared.progress import sync_state
from portal.shared.roles import Role, role_required
from portal.shared.tables import csv_response, paginate, parse_sort

SORTS = {"name": "company_name", "country": "country", "domain": "domain", "synced": "synced_at"}
REG_SORTS = {
    "requested": "requested_at",
    "customer": "subscription__customer__company_name",
    "state": "state",
    "finished": "finished_at",
}


CUSTOMER_COLUMNS = (
    Column(gettext_lazy("Company"), lambda c: c.company_name),
    Column(gettext_lazy("Partner Center id"), lambda c: str(c.tenant_id)),
    Column(gettext_lazy("Domain"), lambda c: c.domain),
    Column(gettext_lazy("Country"), lambda c: c.country),
    Column(gettext_lazy("Currency"), lambda c: c.currency),
    # Values stay machine-readable (not translated); headers follow the page.
    Column(gettext_lazy("Status"), lambda c: "active" if c.is_active else "inactive"),
    Column(gettext_lazy("Last synced"), lambda c: cell_time(c.synced_at)),
)


def _report(request, params: Params) -> None:
    for error in params.errors:
        messages.error(request, error)


def _state(kind: str):
    return sync_state(kind) or SyncState(kind=kind)


@role_required(Role.ADMIN, Role.SALES)
def customer_list(request):
    params = request.GET
    p = Params(params)
    sort = parse_sort(params, SORTS, "name")
    q = p.text("q", label=_("Search"))
    qs = customer_search(text=q, include_inactive=p.choice("inactive", ("1",)) == "1")
    qs = qs.order_by(sort.field, "pk")
    if wants_csv(request):
        return export_csv("customers", CUSTOMER_COLUMNS, qs.iterator(chunk_size=1000))
    page = paginate(params, qs)
    _report(request, p)
    context = {
        "page_obj": page,
        "sort": sort,
        "q": q,
        "state": _state(CUSTOMERS_KIND),
        "fetch_offer": unmirrored_customer_id(q),
    }
    return render_page(
        request, "portal/customers/list.html", context, part="table", target="customer-table"
    )


@role_required(Role.ADMIN, Role.SALES)
@require_POST
def customer_sync(request):
    customer_sync_enqueue(actor=request.user)
    if request.htmx:
        return render(request, "includes/sync_status.html", {"state": _state(CUSTOMERS_KIND)})
    messages.info(request, _("Customer sync started."))
    return redirect("customers:list")


@role_required(Role.ADMIN, Role.SALES)
def customer_detail(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    context = {
        "customer": customer,
        "subscriptions": customer_subscriptions(customer),
        "state": _state(subscriptions_kind(customer)),
        "implied": customer_implied(customer),
    }
    return render_page(
        request,
        "portal/customers/detail.html",
        context,
        part="subscriptions",
        target="subscriptions",
    )


def _guid(text: str) -> str | None:
    """The canonical form of a GUID (lower case, hyphens), or None."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def _customer_fetch_page(tenant_id: str) -> FetchPage:
    if _guid(tenant_id) != tenant_id:
        raise Http404("Not a Partner Center customer id.")
    kwargs = {"tenant_id": tenant_id}
    return FetchPage(
        what="customer",
        object_id=tenant_id,
        back_url=reverse("customers:list"),
        back_label=_("Customers"),
        status_url=reverse("customers:fetch_status", kwargs=kwargs),
        retry_url=reverse("customers:fetch", kwargs=kwargs),
    )


def _mirrored(tenant_id: str) -> Customer | None:
    tenant = _guid(tenant_id)
    return Customer.objects.filter(tenant_id=tenant).first() if tenant else None


@role_required(Role.ADMIN, Role.SALES)
def customer_by_pc_id(request, tenant_id: str):
    """A customer named by its Partner Center id: its page, or (not mirrored) the queued fetch."""
    customer = _mirrored(tenant_id)
    if customer is not None:
        return redirect("customers:detail", pk=customer.pk)
    if _guid(tenant_id) and _guid(tenant_id) != tenant_id:
        return redirect("customers:by_pc_id", tenant_id=_guid(tenant_id))
    page = _customer_fetch_page(tenant_id)
    return fetch_page(
        request, page, customer_fetch_enqueue(tenant_id=tenant_id, actor=request.user)
    )


@role_required(Role.ADMIN, Role.SALES)
@require_POST
def customer_fetch(request, tenant_id: str):
    """Queue the read of a customer the mirror does not hold (the "Fetch" buttons)."""
    _customer_fetch_page(tenant_id)
    if _mirrored(tenant_id) is None:
        customer_fetch_enqueue(tenant_id=tenant_id, actor=request.user, again=True)
    return redirect("customers:by_pc_id", tenant_id=tenant_id)


@role_required(Role.ADMIN, Role.SALES)
def customer_fetch_status(request, tenant_id: str):
    """HTMX poll of a queued fetch: progress, then the customer page, or the failure in words."""
    page = _customer_fetch_page(tenant_id)
    customer = _mirrored(tenant_id)
    done = reverse("customers:detail", kwargs={"pk": customer.pk}) if customer else None
    return fetch_status(request, page, fetch_state("customer", tenant_id), done)


@role_required(Role.ADMIN, Role.SALES)
@require_POST
def customer_sync_subscriptions(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    subscription_sync_enqueue(customer=customer, actor=request.user)
    if request.htmx:
        return render(
            request,
            "portal/customers/detail.html#sub_sync",
            {"customer": customer, "state": _state(subscriptions_kind(customer))},
        )
    messages.info(request, _("Subscription sync started."))
    return redirect("customers:detail", pk=pk)


def _row(request, sub, error: str = ""):
    return render(
        request,
        "portal/customers/detail.html#sub_row",
        {"sub": sub, "row_error": error},
    )


@role_required(Role.ADMIN)
@require_POST
def subscription_register(request, pk: int):
    sub = subscription_with_registration(pk)
    error = ""
    try:
        _registration, created = registration_start(subscription=sub, actor=request.user)
        if not created:
            error = _("A registration of this subscription is already in progress.")
    except PortalError as exc:
        error = str(exc)
    if request.htmx:
        return _row(request, subscription_with_registration(pk), error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Registration requested; the state updates on this page."))
    return redirect("customers:detail", pk=sub.customer_id)


@role_required(Role.ADMIN, Role.SALES)
def subscription_row(request, pk: int):
    """HTMX partial polled while a registration is in progress."""
    sub = subscription_with_registration(pk)
    if not request.htmx:
        return redirect("customers:detail", pk=sub.customer_id)
    return _row(request, sub)


@role_required(Role.ADMIN, Role.SALES)
def registrations(request):
    params = request.GET
    p = Params(params)
    sort = parse_sort(params, REG_SORTS, "-requested")
    q = p.text("q", label=_("Search"))
    state = p.choice("state", SubscriptionRegistration.State.values)
    qs = registration_search(text=q, state=state)
    _report(request, p)
    qs = qs.order_by(sort.field, "-pk")
    if params.get("format") == "csv":
        rows = (
            (
                r.requested_at.isoformat(),
                r.subscription.customer.company_name,
                str(r.subscription.subscription_id),
                r.subscription.friendly_name,
                r.state,
                r.requested_by.get_username() if r.requested_by else "",
                r.attempts,
                r.finished_at.isoformat() if r.finished_at else "",
                r.ms_request_id,
                r.correlation_id,
                r.last_error,
            )
            for r in qs.iterator(chunk_size=1000)
        )
        header = (
            "requested_at_utc", "customer", "subscription_id", "subscription", "state",
            "requested_by", "polls", "finished_at_utc", "ms_request_id", "correlation_id", "error",
        )  # fmt: skip
        return csv_response(f"registrations-{timezone.now():%Y%m%d-%H%M}.csv", header, rows)
    page = paginate(params, qs)
    context = {
        "page_obj": page,
        "sort": sort,
        "q": q,
        "state_filter": state,
        "states": SubscriptionRegistration.State.choices,
        "any_active": any(r.state in SubscriptionRegistration.ACTIVE_STATES for r in page),
    }
    return render_page(
        request,
        "portal/customers/registrations.html",
        context,
        part="table",
        target="registration-table",
    )
