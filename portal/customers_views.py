"""Customer pages (admins and sales)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from portal.models import Customer
from portal.roles import Role, role_required
from portal.selectors import customer_search
from portal.tables import paginate, parse_sort

SORTS = {"name": "company_name", "country": "country", "domain": "domain", "synced": "synced_at"}


@role_required(Role.ADMIN, Role.SALES)
def customer_list(request):
    params = request.GET
    sort = parse_sort(params, SORTS, "name")
    qs = customer_search(text=params.get("q", ""), include_inactive=params.get("inactive") == "1")
    page = paginate(params, qs.order_by(sort.field, "pk"))
    context = {"page_obj": page, "sort": sort, "q": params.get("q", "")}
    if request.htmx:
        return render(request, "portal/customers/list.html#table", context)
    return render(request, "portal/customers/list.html", context)


@role_required(Role.ADMIN, Role.SALES)
def customer_detail(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    return render(request, "portal/customers/detail.html", {"customer": customer})


@role_required(Role.ADMIN)
def registrations(request):
    return render(
        request,
        "portal/section_empty.html",
        {"title": "Registrations", "empty_text": "No subscription registrations yet."},
    )
