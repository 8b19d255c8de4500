"""The page of an object named by a Partner Center id the mirror does not hold yet: the queued
fetch's progress (``includes/sync_status.html``), then the object itself (the status poll
redirects to it), or Partner Center's answer in words with "Try again". No Partner Center call
happens in these requests: the fetch runs in a Celery task (``portal.shared.mirror``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect

from portal.models import SyncState
from portal.shared.htmx import render_page
from portal.shared.mirror import object_name


@dataclass(frozen=True)
class FetchPage:
    what: str  # "invoice", "order", "customer"
    object_id: str
    back_url: str
    back_label: str
    status_url: str
    retry_url: str
    ask_customer: bool = False  # orders: Partner Center reads them under a customer


def fetch_page(request, page: FetchPage, state: SyncState | None) -> HttpResponse:
    context = {
        "page": page,
        "what": object_name(page.what),
        "state": state or SyncState(kind=f"fetch:{page.what}"),
    }
    return render_page(request, "portal/mirror/fetch.html", context, part="status")


def fetch_status(request, page: FetchPage, state: SyncState | None, done_url: str | None):
    """HTMX poll: the progress while the fetch runs, the object's page once it is mirrored."""
    if done_url:
        return HttpResponseClientRedirect(done_url) if request.htmx else redirect(done_url)
    return fetch_page(request, page, state)
