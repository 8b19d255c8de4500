"""Purchasing pages: orders (list, detail, provisioning read) and entitlements."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from portal.models import Customer, SyncState
from portal.shared.exports import export_csv, wants_csv
from portal.shared.htmx import render_page
from portal.shared.progress import sync_state
from portal.shared.roles import Role, role_required
from portal.shared.tables import paginate, parse_sort
from purchasing import exports, selectors
from purchasing.models import Order
from purchasing.services.entitlements import ENTITLEMENTS_KIND, entitlements_refresh_start
from purchasing.services.provisioning import order_provisioning_request, provisioning_kind
from purchasing.services.resale import live_rule_ids, order_resale_totals


def _redirect(request, url: str):
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# -- orders --------------------------------------------------------------------------------------


@role_required(Role.SALES, Role.FINANCE)
def orders(request):
    qs, filters = selectors.orders_filtered(request.GET)
    sort = parse_sort(request.GET, selectors.ORDER_SORTS, "-created")
    qs = qs.order_by(sort.field, "-id")
    if request.GET.get("format") == "csv":
        return exports.orders_csv(qs)
    page_obj = paginate(request.GET, qs)
    context = {
        "page_obj": page_obj,
        "filters": filters,
        "sort": sort,
        "customers": selectors.customer_choices(),
        "sync_states": Order.SyncState.choices,
        "any_awaiting": any(o.sync_state == Order.SyncState.AWAITING for o in page_obj),
    }
    if offer := selectors.unmirrored_order_id(request.GET.get("q", "")):
        context["fetch_offer"] = offer
        context["fetch_customer"] = Customer.objects.filter(pk=filters.get("customer")).first()
    return render_page(request, "purchasing/orders.html", context, part="table")


def _order_context(request, order: Order, **extra) -> dict:
    totals: dict = {}
    for line in order.lines.all():
        if line.line_total is not None:
            currency = line.currency or order.currency
            totals[currency] = totals.get(currency, 0) + line.line_total

    state = sync_state(provisioning_kind(order.pk))
    return {
        "order": order,
        "line_totals": totals,
        "resale_totals": order_resale_totals(order.lines.all()),
        "live_rule_ids": live_rule_ids(order.lines.all()),
        "provisioning_state": state,
        "provisioning_error": state.last_error if state and state.failed_last else "",
        **extra,
    }


@role_required(Role.SALES, Role.FINANCE)
def order_detail(request, pk: int):
    try:
        order = selectors.order_detail(pk)
    except Order.DoesNotExist as exc:
        raise Http404(_("No such order.")) from exc
    if wants_csv(request):
        return export_csv(
            f"order-{order.pc_order_id}-lines", exports.ORDER_LINE_COLUMNS, order.lines.all()
        )
    part = request.GET.get("part")
    return render_page(
        request,
        "purchasing/order_detail.html",
        _order_context(request, order),
        part=part if part in ("entitlements", "lines") else "sync",
    )


@role_required(Role.SALES)
@require_POST
def order_provisioning(request, pk: int):
    """Queue a read of the order's provisioning status (App+User); the lines box follows it."""
    get_object_or_404(Order, pk=pk)
    order_provisioning_request(order_id=pk)
    if request.htmx:
        order = selectors.order_detail(pk)
        return render(request, "purchasing/order_detail.html#lines", _order_context(request, order))
    messages.info(request, _("Reading the provisioning status from Partner Center."))
    return redirect("purchasing:order", pk=pk)


# -- entitlements --------------------------------------------------------------------------------


@role_required(Role.SALES, Role.FINANCE)
def entitlements(request):
    qs, filters = selectors.entitlements_filtered(request.GET)
    sort = parse_sort(request.GET, selectors.ENTITLEMENT_SORTS, "expiry")
    qs = qs.order_by(sort.field, "id")
    if request.GET.get("format") == "csv":
        return exports.entitlements_csv(qs)
    page_obj = paginate(request.GET, qs)
    return render(
        request,
        "purchasing/entitlements.html",
        {
            "page_obj": page_obj,
            "filters": filters,
            "sort": sort,
            "customers": selectors.customer_choices(),
            "state": sync_state(ENTITLEMENTS_KIND) or SyncState(kind=ENTITLEMENTS_KIND),
        },
    )


@role_required(Role.SALES, Role.FINANCE)
@require_POST
def entitlements_refresh(request):
    """Queue a refresh of every customer's entitlements; the page shows its progress."""
    if entitlements_refresh_start(actor=request.user):
        messages.success(request, _("Refresh queued: entitlements are read from Partner Center."))
    else:
        messages.info(request, _("A refresh is already running; its progress shows below."))
    return _redirect(request, reverse("purchasing:entitlements"))
