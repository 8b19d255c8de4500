"""Purchasing pages: carts, review and checkout, approvals, notifications (orders and
entitlements: ``order_views``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from catalog.models import Availability
from portal.models import Customer
from portal.shared.errors import PortalError
from portal.shared.exports import export_csv, wants_csv
from portal.shared.htmx import render_page
from portal.shared.params import Params
from portal.shared.redirects import safe_url
from portal.shared.roles import Role, role_required
from portal.shared.tables import paginate
from purchasing import exports, selectors
from purchasing.forms import CartLineForm, QuantityForm
from purchasing.models import Approval, Cart, CartLine, Checkout, Notification, Order
from purchasing.services import cart as cart_services
from purchasing.services import checkout as checkout_services
from purchasing.services.notifications import notification_mark_read
from purchasing.services.resale import cart_lines_resale


def _customer(pk) -> Customer:
    return get_object_or_404(Customer, pk=pk)


def _redirect(request, url: str):
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# -- carts ---------------------------------------------------------------------------------------


@role_required(Role.SALES)
def carts(request):
    params = Params(request.GET)
    customer_pk = params.object_id("customer", label=_("Customer"))
    if customer_pk is not None:
        return redirect("purchasing:cart", customer_pk=customer_pk)
    for error in params.errors:
        messages.error(request, error)
    rows = selectors.open_carts()
    recent = selectors.recent_checkouts()
    if wants_csv(request):  # one export per table on the page
        if request.GET.get("table") == "checkouts":
            return export_csv("checkouts", exports.CHECKOUT_COLUMNS, recent)
        return export_csv("carts", exports.OPEN_CART_COLUMNS, rows)
    return render(
        request,
        "purchasing/carts.html",
        {
            "carts": rows,
            "checkouts": recent,
            "customers": selectors.customer_choices(active_only=True),
        },
    )


@role_required(Role.SALES)
def cart_add(request):
    """GET ``?availability=<pk>&customer=<pk>`` shows the line form; POST adds the line."""
    params = Params(request.POST if request.method == "POST" else request.GET)
    availability = (
        Availability.objects.select_related("sku__product")
        .filter(pk=params.object_id("availability", label=_("Catalog item")))
        .first()
    )
    customer = Customer.objects.filter(pk=params.object_id("customer", label=_("Customer"))).first()
    if availability is None or customer is None:
        return render(
            request,
            "purchasing/cart_add.html",
            {"missing": _("Pick a catalog item and a customer on the catalog page first.")},
            status=400,
        )
    form = CartLineForm(
        request.POST if request.method == "POST" else None,
        availability=availability,
        customer=customer,
    )
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        data = cart_services.LineInput(
            quantity=form.cleaned_data["quantity"],
            billing_cycle=form.cleaned_data["billing_cycle"],
            term_duration=form.cleaned_data.get("term_duration") or "",
            provisioning_context=form.provisioning_context(),
        )
        try:
            line = cart_services.cart_add_line(
                customer=customer, availability=availability, user=request.user, data=data
            )
        except cart_services.CartValidationError as exc:
            errors = exc.errors
        except PortalError as exc:
            errors = {"__all__": [exc.message]}
        else:
            messages.success(
                request,
                _("Added %(quantity)s x %(title)s to the cart.")
                % {"quantity": line.quantity, "title": line.title},
            )
            return _redirect(request, reverse("purchasing:cart", args=[customer.pk]))
    field_errors, general = _line_errors(errors)
    return render(
        request,
        "purchasing/cart_add.html",
        {
            "form": form,
            "availability": availability,
            "sku": availability.sku,
            "customer": customer,
            "field_errors": field_errors,
            "general_errors": general,
        },
        status=200 if not errors and not form.errors else 422 if request.htmx else 200,
    )


def _line_errors(errors: dict[str, list[str]]) -> tuple[dict[str, list[str]], list[str]]:
    """A line's problems by form field, and those shown above the form."""
    field_errors = {
        "quantity": errors.get("quantity", []),
        "billing_cycle": errors.get("billing_cycle", []),
        "term_duration": errors.get("term_duration", []),
        "subscription_id": errors.get("ctx_subscriptionid", []),
        "scope": errors.get("ctx_scope", []),
    }
    general = errors.get("__all__", []) + [
        m for k, msgs in errors.items() if k.startswith("ctx_") and k not in (
            "ctx_subscriptionid", "ctx_scope") for m in msgs
    ]  # fmt: skip
    return field_errors, general


def _cart_context(customer, cart) -> dict:
    lines = list(cart.lines.select_related("availability__sku").order_by("id")) if cart else []
    groups: dict[str, list] = {}
    for line in lines:
        groups.setdefault(line.order_group or _("not yet grouped"), []).append(line)
    return {
        "customer": customer,
        "cart": cart,
        "lines": lines,
        "groups": groups,
        "totals": checkout_services.line_totals(lines),
        "unpriced": sum(1 for line in lines if line.unit_price is None),
        "resale_totals": cart_lines_resale(lines, customer=customer),
    }


@role_required(Role.SALES)
def cart_detail(request, customer_pk: int):
    customer = _customer(customer_pk)
    cart = selectors.open_cart_for(customer)
    if wants_csv(request):
        return _cart_lines_csv(customer, cart)
    context = _cart_context(customer, cart)
    return render_page(request, "purchasing/cart.html", context, part="cart")


def _cart_lines_csv(customer, cart):
    lines = list(cart.lines.select_related("availability__sku").order_by("id")) if cart else []
    cart_lines_resale(lines, customer=customer)
    return export_csv(f"cart-{customer.pk}-lines", exports.CART_LINE_COLUMNS, lines)


def _line(customer_pk: int, line_pk: int) -> CartLine:
    line = get_object_or_404(
        CartLine.objects.select_related("cart__customer", "availability__sku__product"),
        pk=line_pk,
        cart__customer_id=customer_pk,
    )
    return line


@role_required(Role.SALES)
@require_POST
def cart_line_update(request, customer_pk: int, line_pk: int):
    line = _line(customer_pk, line_pk)
    form = QuantityForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            cart_services.cart_update_line(
                line=line, user=request.user, quantity=form.cleaned_data["quantity"]
            )
        except PortalError as exc:
            error = exc.message
    else:
        error = _("Enter a whole number of at least 1.")
    context = _cart_context(line.cart.customer, selectors.open_cart_for(line.cart.customer))
    context["line_errors"] = {line.pk: error} if error else {}
    if request.htmx:
        return render(request, "purchasing/cart.html#cart", context)
    if error:
        messages.error(request, error)
    return redirect("purchasing:cart", customer_pk=customer_pk)


@role_required(Role.SALES)
@require_POST
def cart_line_remove(request, customer_pk: int, line_pk: int):
    line = _line(customer_pk, line_pk)
    try:
        cart_services.cart_remove_line(line=line, user=request.user)
    except PortalError as exc:
        messages.error(request, exc.message)
    customer = line.cart.customer
    if request.htmx:
        return render(
            request,
            "purchasing/cart.html#cart",
            _cart_context(customer, selectors.open_cart_for(customer)),
        )
    return redirect("purchasing:cart", customer_pk=customer_pk)


# -- review and checkout ---------------------------------------------------------------------------


@role_required(Role.SALES)
def cart_review(request, customer_pk: int):
    customer = _customer(customer_pk)
    cart = selectors.open_cart_for(customer)
    if wants_csv(request):
        return _cart_lines_csv(customer, cart)
    if cart is None:
        latest = selectors.latest_checkout(customer)
        if latest:
            return redirect("purchasing:checkout", pk=latest.pk)
        messages.info(request, _("The cart is empty; add items from the catalog."))
        return redirect("purchasing:cart", customer_pk=customer.pk)
    existing = selectors.checkout_of_cart(cart)
    # A draft checkout is queued for a worker: its page follows it.
    if existing and existing.state not in (Checkout.State.FAILED, Checkout.State.REJECTED):
        return redirect("purchasing:checkout", pk=existing.pk)
    review = checkout_services.checkout_review(cart=cart, user=request.user)
    resale_totals = cart_lines_resale(review.lines, customer=customer)
    return render(
        request,
        "purchasing/review.html",
        {
            "customer": customer,
            "review": review,
            "checkout": existing,
            "resale_totals": resale_totals,
            "below_cost": [line for line in review.lines if line.resale.at_or_below_cost],
        },
    )


@role_required(Role.SALES)
@require_POST
def cart_confirm_changes(request, customer_pk: int):
    customer = _customer(customer_pk)
    cart = selectors.open_cart_for(customer)
    if cart is not None:
        count = checkout_services.checkout_confirm_changes(cart=cart, user=request.user)
        messages.success(
            request,
            ngettext(
                "Accepted the changes on %(count)d line.",
                "Accepted the changes on %(count)d lines.",
                count,
            )
            % {"count": count},
        )
    return _redirect(request, reverse("purchasing:review", args=[customer.pk]))


@role_required(Role.SALES)
@require_POST
def checkout_place(request, customer_pk: int):
    customer = _customer(customer_pk)
    cart_pk = Params(request.POST).object_id("cart", label=_("Cart"))
    if cart_pk is None:
        return HttpResponseBadRequest(_("Missing cart."))
    cart = get_object_or_404(Cart, pk=cart_pk, customer=customer)
    try:
        checkout = checkout_services.checkout_submit(
            cart_id=cart.pk,
            user=request.user,
            confirm_duplicates=request.POST.get("confirm_duplicates") == "1",
            queue=True,
        )
    except PortalError as exc:
        messages.error(request, exc.message)
        return _redirect(request, reverse("purchasing:review", args=[customer.pk]))
    return _redirect(request, reverse("purchasing:checkout", args=[checkout.pk]))


@role_required(Role.SALES, Role.FINANCE, Role.ADMIN)
def checkout_detail(request, pk: int):
    checkout = get_object_or_404(
        Checkout.objects.select_related("customer", "cart__created_by", "requested_by"), pk=pk
    )
    orders = selectors.checkout_orders(checkout)
    if wants_csv(request):
        return export_csv(f"checkout-{checkout.pk}-orders", exports.CHECKOUT_ORDER_COLUMNS, orders)
    approval = selectors.checkout_approval(checkout)
    context = {
        "checkout": checkout,
        "orders": orders,
        "approval": approval,
        "lines": list(checkout.cart.lines.order_by("id")),
        "polling": checkout.state
        in (Checkout.State.DRAFT, Checkout.State.SUBMITTING, Checkout.State.OUTCOME_UNKNOWN)
        or any(o.sync_state == Order.SyncState.AWAITING for o in orders),
    }
    return render_page(request, "purchasing/checkout.html", context, part="status")


@role_required(Role.SALES)
@require_POST
def checkout_retry_groups(request, pk: int):
    checkout = get_object_or_404(Checkout, pk=pk)
    try:
        cart = checkout_services.checkout_retry_failed_groups(
            checkout_id=checkout.pk, user=request.user
        )
    except PortalError as exc:
        messages.error(request, exc.message)
        return _redirect(request, reverse("purchasing:checkout", args=[pk]))
    messages.success(request, _("The failed order groups are in a new cart; review and place it."))
    return _redirect(request, reverse("purchasing:review", args=[cart.customer_id]))


# -- approvals -----------------------------------------------------------------------------------


@role_required(Role.FINANCE, Role.ADMIN)
def approvals(request):
    rows = selectors.approval_list()
    if wants_csv(request):
        return export_csv("approvals", exports.APPROVAL_COLUMNS, rows.iterator(chunk_size=1000))
    page_obj = paginate(request.GET, rows)
    return render(request, "purchasing/approvals.html", {"page_obj": page_obj})


@role_required(Role.FINANCE, Role.ADMIN)
@require_POST
def approval_decide(request, pk: int):
    approval = get_object_or_404(Approval, pk=pk)
    params = Params(request.POST)
    decision = params.choice("decision", ("approve", "reject"))
    comment = params.text("comment", label=_("Comment"), max_length=1000)
    if not decision or params.errors:
        return HttpResponseBadRequest(" ".join(params.errors) or _("Choose approve or reject."))
    try:
        checkout_services.approval_decide(
            approval_id=approval.pk,
            user=request.user,
            approve=decision == "approve",
            comment=comment,
            queue=True,
        )
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Purchase approved.") if decision == "approve" else _("Purchase rejected.")
        )
    return _redirect(request, reverse("purchasing:checkout", args=[approval.checkout_id]))


def _notifications_page(request):
    show_all = request.GET.get("show") == "all"
    rows = selectors.notifications_for(request.user, unread_only=not show_all)
    if wants_csv(request):
        return export_csv("notifications", exports.NOTIFICATION_COLUMNS, rows)
    page_obj = paginate(request.GET, rows)
    context = {
        "page_obj": page_obj,
        "show_all": show_all,
        "unread_count": selectors.unread_notifications(request.user).count()
        if show_all
        else page_obj.paginator.count,
    }
    return render_page(request, "purchasing/notifications.html", context, part="list")


@role_required(Role.SALES, Role.FINANCE, Role.ADMIN)
def notifications(request):
    """The signed-in user's notifications: unread ones, or ``?show=all``."""
    return _notifications_page(request)


@role_required(Role.SALES, Role.FINANCE, Role.ADMIN)
@require_POST
def notification_read(request, pk: int):
    """Mark one notification read; ``open=1`` then goes to what it is about."""
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_mark_read(user=request.user, ids=[note.pk])
    if request.POST.get("open") == "1" and note.url:
        return _redirect(request, safe_url(request, note.url, "purchasing:notifications"))
    if request.htmx:
        return _notifications_page(request)
    return redirect("purchasing:notifications")


@role_required(Role.SALES, Role.FINANCE, Role.ADMIN)
@require_POST
def notifications_read_all(request):
    count = notification_mark_read(user=request.user, ids=None)
    if request.htmx:
        return _notifications_page(request)
    messages.success(
        request,
        ngettext(
            "Marked %(count)d notification read.", "Marked %(count)d notifications read.", count
        )
        % {"count": count},
    )
    return redirect("purchasing:notifications")
