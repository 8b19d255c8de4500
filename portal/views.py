"""Project-level pages: dashboard, profile, health."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from portal.health import health_report
from portal.middleware import LANGUAGE_SESSION_KEY
from portal.models import StaffProfile, SyncState
from portal.services.preferences import profile_language_set, profile_update
from portal.shared.dashboard import panels_for
from portal.shared.errors import PortalError
from portal.shared.job_access import roles_for_job
from portal.shared.redirects import redirect_next
from portal.shared.roles import ALL_ROLES, Role, has_role, role_required, user_roles


@role_required(*ALL_ROLES)
def dashboard(request):
    """One dashboard; each role sees its own panels (filled in by each app's dashboard module)."""
    return render(request, "portal/dashboard.html", {"panels": panels_for(request)})


def _language_choices():
    return [("", gettext_lazy("The browser's language")), *settings.LANGUAGES]


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        choices=[(z, z) for z in sorted(zoneinfo.available_timezones())],
        help_text=gettext_lazy("Dates and times in the portal are shown in this time zone."),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=_language_choices,
        required=False,
        help_text=gettext_lazy("The portal's language; by default, your browser's."),
    )


def _remember_language(request, language: str) -> None:
    """Use ``language`` from this response on (session) and after signing out (cookie)."""
    request.session[LANGUAGE_SESSION_KEY] = language
    translation.activate(language or translation.get_language_from_request(request))


@role_required(*ALL_ROLES)
def profile(request):
    profile, _created = StaffProfile.objects.get_or_create(user=request.user)
    form = ProfileForm(
        request.POST or None,
        initial={"time_zone": profile.time_zone, "language": profile.language},
    )
    if request.method == "POST" and form.is_valid():
        try:
            profile = profile_update(
                user=request.user,
                time_zone=form.cleaned_data["time_zone"],
                language=form.cleaned_data["language"],
            )
        except PortalError as exc:
            form.add_error(None, exc.message)
        else:
            request.session["time_zone"] = profile.time_zone
            _remember_language(request, profile.language)
            messages.success(request, _("Your preferences were saved."))
            return _with_language_cookie(redirect("profile"), profile.language)
    return render(request, "portal/profile.html", {"form": form, "roles": user_roles(request.user)})


@role_required(*ALL_ROLES)
@require_POST
def set_language(request):
    """The header's language switch: store the choice on the profile, go back to the same page
    (``next``, when it is a path on this site)."""
    language = request.POST.get("language", "")
    try:
        profile_language_set(user=request.user, language=language)
    except PortalError as exc:
        messages.error(request, exc.message)
        return redirect_next(request, "dashboard")
    _remember_language(request, language)
    return _with_language_cookie(redirect_next(request, "dashboard"), language)


def _with_language_cookie(response, language: str):
    """Django's language cookie keeps the choice on the sign-in page after signing out."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH)
    return response


@login_not_required
def healthz(request):
    """Health for monitoring. Everyone gets ``{"status": ok|degraded|error}`` (503 on error: the
    database or the broker is down); admins also get each check and the age of the last successful
    sync per job kind. Partner Center unreachable, or a sync whose last attempt failed, is
    ``degraded`` (the portal still serves its mirror)."""
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
