"""Admin tools: the audit log viewer and the Partner Center connection page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.admin_tools.selectors import audit_search
from portal.admin_tools.services.settings_store import portal_setting_get, portal_setting_set
from portal.models import Customer, PortalSetting
from portal.partner_center.connection import (
    connection_begin,
    connection_complete,
    connection_status,
    warn_before,
)
from portal.partner_center.connection import connection_sign_out as sign_out
from portal.shared.errors import PortalError
from portal.shared.roles import Role, role_required
from portal.shared.tables import csv_response, paginate


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=gettext_lazy("Actor"), required=False, max_length=150)
    action = forms.CharField(label=gettext_lazy("Action"), required=False, max_length=64)
    customer = forms.ModelChoiceField(
        label=gettext_lazy("Customer"), queryset=Customer.objects.all(), required=False
    )
    since = forms.DateField(
        label=gettext_lazy("Since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=gettext_lazy("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


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


SIGN_IN_FLOW_KEY = "pc_sign_in_flow"


@role_required(Role.ADMIN)
def connection(request):
    return render(
        request,
        "portal/admin_tools/connection.html",
        {
            "api_url": settings.PARTNER_CENTER_API_URL,
            "authority": settings.PARTNER_CENTER_AUTHORITY,
            "tenant_id": settings.PARTNER_CENTER_TENANT_ID,
            "client_id": settings.PARTNER_CENTER_CLIENT_ID,
            "cloud": settings.PARTNER_CENTER_CLOUD,
            "secret_set": bool(settings.PARTNER_CENTER_CLIENT_SECRET),
            "status": connection_status(),
            "warn_days": warn_before().days,
        },
    )


@role_required(Role.ADMIN)
@require_POST
def connection_sign_in(request):
    """Start the App+User sign-in (MSAL authorization-code flow) and send the admin to it."""
    redirect_uri = request.build_absolute_uri(reverse("admin_tools:connection_callback"))
    try:
        flow = connection_begin(redirect_uri=redirect_uri)
    except PortalError as exc:
        messages.error(request, str(exc))
        return redirect("admin_tools:connection")
    request.session[SIGN_IN_FLOW_KEY] = flow
    return redirect(flow["auth_uri"])


@role_required(Role.ADMIN)
def connection_callback(request):
    """Where the sign-in page sends the admin back (GET: OAuth redirect, checked by ``state``)."""
    flow = request.session.pop(SIGN_IN_FLOW_KEY, None)
    if not flow:
        messages.error(
            request, _("No sign-in was in progress (or it was already completed): start it again.")
        )
        return redirect("admin_tools:connection")
    try:
        conn = connection_complete(flow=flow, query_params=request.GET.dict(), actor=request.user)
    except PortalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Signed in to Partner Center as %(username)s.") % {"username": conn.username}
        )
    return redirect("admin_tools:connection")


@role_required(Role.ADMIN)
@require_POST
def connection_sign_out(request):
    sign_out(actor=request.user)
    messages.success(request, _("The partner account was signed out; App+User operations are off."))
    return redirect("admin_tools:connection")


class PortalSettingsForm(forms.Form):
    perpetual_software_qualified = forms.BooleanField(
        required=False,
        label=gettext_lazy("Qualified to sell perpetual software"),
        help_text=gettext_lazy(
            "Microsoft requires partners to be qualified before they sell perpetual software. "
            "While off, perpetual software cannot be added to carts."
        ),
    )


@role_required(Role.ADMIN)
def portal_settings(request):
    current = {name: portal_setting_get(name) for name in PortalSettingsForm.base_fields}
    if request.method == "POST":
        form = PortalSettingsForm(request.POST)
        if form.is_valid():
            changed = [k for k, v in form.cleaned_data.items() if current.get(k) != v]
            for key in changed:
                portal_setting_set(key=key, value=form.cleaned_data[key], actor=request.user)
            if changed:
                messages.success(request, _("Settings saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("admin_tools:settings")
    else:
        form = PortalSettingsForm(initial=current)
    rows = {s.key: s for s in PortalSetting.objects.select_related("updated_by")}
    return render(request, "portal/admin_tools/settings.html", {"form": form, "rows": rows})
