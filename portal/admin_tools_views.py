"""Admin tools: the audit log viewer and the Partner Center connection page."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.utils import timezone

from portal.models import Customer
from portal.roles import Role, role_required
from portal.selectors import audit_search
from portal.tables import csv_response, paginate


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=150)
    action = forms.CharField(required=False, max_length=64)
    customer = forms.ModelChoiceField(queryset=Customer.objects.all(), required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


@role_required(Role.ADMIN)
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_search(
        actor=filters.get("actor", ""),
        action=filters.get("action", ""),
        customer_id=filters["customer"].pk if filters.get("customer") else None,
        since=filters.get("since"),
        until=filters.get("until"),
    )
    if request.GET.get("format") == "csv":
        rows = (
            (
                e.created_at.isoformat(),
                e.actor_name,
                e.action,
                e.object_type,
                e.object_id,
                e.customer.company_name if e.customer else "",
                e.summary,
            )
            for e in events.iterator(chunk_size=2000)
        )
        header = ("time_utc", "user", "action", "object_type", "object_id", "customer", "summary")
        return csv_response(f"audit-{timezone.now():%Y%m%d-%H%M}.csv", header, rows)
    page = paginate(request.GET, events)
    return render(request, "portal/admin_tools/audit.html", {"form": form, "page_obj": page})


@role_required(Role.ADMIN)
def connection(request):
    from django.conf import settings

    return render(
        request,
        "portal/admin_tools/connection.html",
        {
            "api_url": settings.PARTNER_CENTER_API_URL,
            "authority": settings.PARTNER_CENTER_AUTHORITY,
            "client_id": settings.PARTNER_CENTER_CLIENT_ID,
            "cloud": settings.PARTNER_CENTER_CLOUD,
        },
    )
