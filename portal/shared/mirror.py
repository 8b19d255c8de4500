"""The mirror is a cache, not the truth: one rule for anything named by its Partner Center id.

Look in the mirror; when the object is absent, read it from Partner Center by id (with the token
that operation needs), store it, and go on. Only Partner Center's own 404 becomes
``NotInPartnerCenter`` ("Partner Center has no invoice G000123 (request id …)."); a missing
App+User sign-in becomes ``NeedsUserConnection``; anything else ``PartnerCenterUnavailable``.

Each object kind has a small service built on ``mirror_get`` (``billing.services.invoice_lookup``,
``purchasing.services.order_lookup``, ``portal.customers.services.lookups``). Commands call those services
directly; pages never call Partner Center in the request: they queue the fetch task with the kind's
``*_fetch_enqueue`` service (built on ``fetch_enqueue``) and show its progress from the
``SyncState`` row ``fetch_kind(what, id)``, which ``fetch_in_background`` (the task body) keeps,
failures in words included.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnercenter.errors import PartnerCenterError, UserSignInRequired
from portal.models import SyncState
from portal.partner_center.connection import connection_mark_revoked
from portal.shared.errors import PortalError, pc_error
from portal.shared.progress import STALE_SECONDS, sync_begin, sync_fail, sync_state, sync_succeed
from portal.shared.queue import enqueue_on_commit

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Implied:
    """Something a fetched object implies that the mirror does not hold yet, and how to get it."""

    text: str
    # What pages and commands turn into an offer: "import_lines", "sync_subscriptions".
    action: str


@dataclass(frozen=True)
class Found(Generic[T]):
    """A looked-up object; ``fetched`` when it came from Partner Center just now."""

    obj: T
    fetched: bool = False


# What each kind of mirrored object is called in sentences (``what`` stays the key).
OBJECT_NAMES = {
    "invoice": gettext_lazy("invoice"),
    "order": gettext_lazy("order"),
    "customer": gettext_lazy("customer"),
    "subscription": gettext_lazy("subscription"),
}


def object_name(what: str) -> str:
    """``"invoice"`` -> the word for an invoice in the active language."""
    return str(OBJECT_NAMES.get(what, what))


def pc_read(*, what: str, object_id: str, call: Callable[[], T]) -> T:
    """Read one object from Partner Center, turning its errors into sentences a user can act on
    (``portal.shared.errors.pc_error``); a refused App+User sign-in is recorded as revoked."""
    try:
        return call()
    except PartnerCenterError as exc:
        if isinstance(exc, UserSignInRequired):
            connection_mark_revoked(error=exc)
        raise pc_error(
            exc,
            doing=_("reading %(what)s %(id)s") % {"what": object_name(what), "id": object_id},
            what=f"{object_name(what)} {object_id}",
        ) from exc


def mirror_get(*, find: Callable[[], T | None], fetch: Callable[[], T]) -> Found[T]:
    """The rule: the mirrored object, else ``fetch()`` (which reads Partner Center and stores)."""
    obj = find()
    if obj is not None:
        return Found(obj)
    return Found(fetch(), fetched=True)


# -- background fetches (pages) -----------------------------------------------------------------


# Kinds of the SyncState rows of single-object fetches: lookups, not syncs (a mistyped id's 404
# is an answer for the person who asked, not a sign that the portal is unhealthy).
FETCH_KIND_PREFIX = "fetch:"


def fetch_kind(what: str, object_id: str) -> str:
    """The ``SyncState`` kind of one object's fetch, e.g. ``fetch:invoice:G000123``."""
    return f"{FETCH_KIND_PREFIX}{what}:{object_id}"[:100]


def fetch_state(what: str, object_id: str) -> SyncState | None:
    return sync_state(fetch_kind(what, object_id))


def fetch_enqueue(*, what: str, object_id: str, task: str, args: tuple = (), again: bool = False):
    """Mark the fetch queued (the page shows progress at once) and queue the task named ``task``
    after commit; returns the ``SyncState`` the page shows.

    One fetch per object at a time; a finished one is queued again only with ``again`` (the "Try
    again" / "Fetch from Partner Center" buttons), so reloading a page never repeats a failed read.
    """
    state = fetch_state(what, object_id)
    live = (
        state is not None
        and state.running
        and state.heartbeat_at
        and (timezone.now() - state.heartbeat_at).total_seconds() < STALE_SECONDS
    )
    if live or (state is not None and not state.running and not again):
        return state
    state = sync_begin(kind=fetch_kind(what, object_id), message=_("Queued"))
    enqueue_on_commit(task, *args)
    return state


def fetch_in_background(*, what: str, object_id: str, fetch: Callable[[], Any]) -> bool:
    """The body of a fetch task: run ``fetch`` and record the outcome (in words) for the page."""
    kind = fetch_kind(what, object_id)
    name = {"what": object_name(what), "id": object_id}
    sync_begin(kind=kind, message=_("Reading %(what)s %(id)s from Partner Center") % name)
    try:
        fetch()
    except PortalError as exc:
        sync_fail(kind=kind, error=str(exc))
        return False
    except Exception:
        logger.exception("fetching %s %s failed", what, object_id)
        sync_fail(
            kind=kind, error=_("Fetching %(what)s %(id)s failed unexpectedly; try again.") % name
        )
        raise
    sync_succeed(kind=kind, message=_("Fetched %(what)s %(id)s from Partner Center") % name)
    return True
