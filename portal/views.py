"""Project-level pages: dashboard, profile, health."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRefresh

from portal.job_access import roles_for_job
from portal.models import StaffProfile
from portal.roles import ALL_ROLES, has_role, role_required, user_roles


@role_required(*ALL_ROLES)
def dashboard(request):
    """One dashboard; each role sees its own panels (filled in by each app's dashboard module)."""
    from portal.dashboard import panels_for

    return render(request, "portal/dashboard.html", {"panels": panels_for(request)})


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(
        choices=[(z, z) for z in sorted(zoneinfo.available_timezones())],
        help_text="Dates and times in the portal are shown in this time zone.",
    )


@role_required(*ALL_ROLES)
def profile(request):
    profile, _ = StaffProfile.objects.get_or_create(user=request.user)
    form = ProfileForm(request.POST or None, initial={"time_zone": profile.time_zone})
    if request.method == "POST" and form.is_valid():
        profile.time_zone = form.cleaned_data["time_zone"]
        profile.save(update_fields=["time_zone"])
        request.session["time_zone"] = profile.time_zone
        messages.success(request, "Your time zone was saved.")
        return redirect("profile")
    return render(request, "portal/profile.html", {"form": form, "roles": user_roles(request.user)})


@login_not_required
def healthz(request):
    """Health for monitoring. Everyone gets ``{"status": ok|degraded|error}`` (503 on error: the
    database or the broker is down); admins also get each check and the age of the last successful
    sync per job kind. Partner Center unreachable, or a sync whose last attempt failed, is
    ``degraded`` (the portal still serves its mirror)."""
    from portal.health import health_report
    from portal.roles import Role, has_role

    report = health_report()
    code = 503 if report["status"] == "error" else 200
    if has_role(request.user, Role.ADMIN):
        response = JsonResponse(report, status=code)
    else:
        response = JsonResponse({"status": report["status"]}, status=code)
    response["Cache-Control"] = "no-store"
    return response


@role_required(*ALL_ROLES)
def sync_status(request, kind: str):
    """HTMX partial: progress bar / last-synced line of one job kind."""
    from portal.models import SyncState

    if not has_role(request.user, *roles_for_job(kind)):
        # 404, as for a job that does not exist: the answer confirms nothing about the object.
        raise Http404("No such job.")
    state = SyncState.objects.filter(kind=kind).first() or SyncState(kind=kind)
    refresh = request.GET.get("refresh") == "1"
    if refresh and request.htmx and not state.running:
        return HttpResponseClientRefresh()  # the job ended: reload the page to show its result
    return render(
        request, "includes/sync_status.html", {"state": state, "refresh_on_done": refresh}
    )
