"""The one place the portal builds a Partner Center client from settings.

Services call ``get_client()``; views never do. The App+User token cache is persisted
(encrypted) by ``portal.partner_center.connection`` and plugged in here.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings

from partnercenter import Client
from portal.partner_center.budget import budgeted_session
from portal.partner_center.token_cache import database_token_cache

# Set for the duration of a web request (portal.middleware.PartnerCenterTimeBudgetMiddleware): the
# time.monotonic() by which every Partner Center call of that request must be over.
_deadline: ContextVar[float | None] = ContextVar("partner_center_deadline", default=None)


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Clients made inside this block give up (``Timeout``) once ``seconds`` have passed, retries
    included, so a page that must call Partner Center answers before gunicorn's timeout."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def get_client():
    """Return a ``partnercenter.Client`` configured from the ``PARTNER_CENTER_*`` settings."""
    token_cache = database_token_cache()
    deadline = _deadline.get()
    read_timeout = float(settings.PARTNER_CENTER_TIMEOUT)
    if deadline is not None:  # token and sign-in calls (MSAL) wait no longer than the budget either
        read_timeout = max(1.0, min(read_timeout, deadline - time.monotonic()))
    return Client(
        base_url=settings.PARTNER_CENTER_API_URL,
        authority=settings.PARTNER_CENTER_AUTHORITY,
        tenant_id=settings.PARTNER_CENTER_TENANT_ID,
        client_id=settings.PARTNER_CENTER_CLIENT_ID,
        client_secret=settings.PARTNER_CENTER_CLIENT_SECRET,
        cloud=settings.PARTNER_CENTER_CLOUD,
        token_cache=token_cache,
        timeout=(5.0, read_timeout),
        max_retries=settings.PARTNER_CENTER_MAX_RETRIES,
        deadline=deadline,
        session=budgeted_session(),  # None: the client's own, unpaced
    )


def new_operation_id() -> str:
    """An id tying together the Partner Center calls of one user action (MS-CorrelationId)."""
    return str(uuid.uuid4())
