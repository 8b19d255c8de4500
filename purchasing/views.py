from django.shortcuts import render

from portal.roles import Role, role_required


@role_required(Role.SALES)
def carts(request):
    return render(
        request, "portal/section_empty.html", {"title": "Carts", "empty_text": "No carts yet."}
    )


@role_required(Role.SALES, Role.FINANCE)
def orders(request):
    return render(
        request, "portal/section_empty.html", {"title": "Orders", "empty_text": "No orders yet."}
    )


@role_required(Role.SALES)
def entitlements(request):
    return render(
        request,
        "portal/section_empty.html",
        {"title": "Entitlements", "empty_text": "No entitlements yet."},
    )
