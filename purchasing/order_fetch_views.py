"""Orders named by their Partner Center id: the order's page when mirrored, else the queued fetch
(``portal.shared.mirror_views``); no Partner Center call happens in these requests."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.shared.mirror import fetch_state
from portal.shared.mirror_views import FetchPage, fetch_page, fetch_status
from portal.shared.roles import Role, role_required
from purchasing import selectors
from purchasing.models import Order
from purchasing.services.order_lookup import order_fetch_enqueue


def _order_fetch_page(pc_order_id: str) -> FetchPage:
    if not selectors.looks_like_order_id(pc_order_id):
        raise Http404(_("Not a Partner Center order id."))
    kwargs = {"pc_order_id": pc_order_id}
    return FetchPage(
        what="order",
        object_id=pc_order_id,
        back_url=reverse("purchasing:orders"),
        back_label=_("Orders"),
        status_url=reverse("purchasing:order_fetch_status", kwargs=kwargs),
        retry_url=reverse("purchasing:order_fetch", kwargs=kwargs),
        ask_customer=True,
    )


@role_required(Role.SALES, Role.FINANCE)
def order_by_pc_id(request, pc_order_id: str):
    """An order named by its Partner Center id: its page, or (not mirrored) the queued fetch."""
    order = Order.objects.filter(pc_order_id=pc_order_id).first()
    if order is not None:
        return redirect("purchasing:order", pk=order.pk)
    page = _order_fetch_page(pc_order_id)
    state = order_fetch_enqueue(pc_order_id=pc_order_id, actor=request.user)
    return fetch_page(request, page, state)


@role_required(Role.SALES, Role.FINANCE)
@require_POST
def order_fetch(request, pc_order_id: str):
    """Queue the read of an order the mirror does not hold, optionally under a named customer."""
    _order_fetch_page(pc_order_id)
    customer = (request.POST.get("customer") or "").strip() or None
    if customer and not selectors.looks_like_guid(customer):
        messages.error(
            request,
            _("“%(value)s” is not a Partner Center customer id (a GUID).")
            % {"value": customer[:80]},
        )
        return redirect("purchasing:order_by_pc_id", pc_order_id=pc_order_id)
    if not Order.objects.filter(pc_order_id=pc_order_id).exists():
        order_fetch_enqueue(
            pc_order_id=pc_order_id, actor=request.user, customer_tenant_id=customer, again=True
        )
    return redirect("purchasing:order_by_pc_id", pc_order_id=pc_order_id)


@role_required(Role.SALES, Role.FINANCE)
def order_fetch_status(request, pc_order_id: str):
    """HTMX poll of a queued fetch: progress, then the order page, or the failure in words."""
    page = _order_fetch_page(pc_order_id)
    order = Order.objects.filter(pc_order_id=pc_order_id).first()
    done = reverse("purchasing:order", kwargs={"pk": order.pk}) if order else None
    return fetch_status(request, page, fetch_state("order", pc_order_id), done)
