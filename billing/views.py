from django.shortcuts import render

from portal.roles import Role, role_required


@role_required(Role.FINANCE)
def invoices(request):
    return render(
        request,
        "portal/section_empty.html",
        {"title": "Invoices", "empty_text": "No invoices synced yet."},
    )


@role_required(Role.FINANCE)
def reconciliation(request):
    return render(
        request,
        "portal/section_empty.html",
        {"title": "Reconciliation", "empty_text": "Nothing reconciled yet."},
    )
