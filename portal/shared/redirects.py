"""The one way the portal follows a ``next`` parameter (or any stored return address).

Only a path on this site is followed (checked with Django's ``url_has_allowed_host_and_scheme``
against this request's host; ``https://evil.example/``, ``//evil.example/``, ``javascript:``,
``foo`` and anything with a control character are not); otherwise the fallback is used.
"""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_url(request, url: str | None, fallback: str, *args, **kwargs) -> str:
    """``url`` when it is a path on this site, else ``fallback`` (a URL name or a path,
    resolved with ``args``/``kwargs``)."""
    candidate = (url or "").strip()
    if (
        candidate.startswith("/")
        and not any(ord(ch) < 32 or ord(ch) == 127 for ch in candidate)
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return resolve_url(fallback, *args, **kwargs)


def redirect_next(request, fallback: str, *args, field: str = "next", **kwargs):
    """Redirect to the request's ``next`` (POST, else GET) when safe, else to ``fallback``."""
    data = request.POST if request.method == "POST" else request.GET
    value = data.get(field)
    return HttpResponseRedirect(
        safe_url(request, value if isinstance(value, str) else None, fallback, *args, **kwargs)
    )
