from django.shortcuts import render

from portal.roles import Role, role_required


@role_required(Role.SALES)
def index(request):
    return render(
        request,
        "portal/section_empty.html",
        {"title": "Catalog", "empty_text": "The catalog has not been synced yet."},
    )
