"""The client's address as the portal sees it (sign-in throttling keys on it).

Behind ``PORTAL_TRUSTED_PROXIES`` reverse proxies (Caddy in production: 1), the connecting
address is the proxy's, the same for every client; the client's is the one the outermost trusted
proxy wrote into ``X-Forwarded-For``: the N-th entry from the right (entries further left were
sent by the client and prove nothing). With 0 (the default), ``REMOTE_ADDR`` and the header is
ignored, so a client cannot choose its address by sending one.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.PORTAL_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    entries = [e.strip() for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    entries = [e for e in entries if e]
    if len(entries) < proxies:
        return remote  # not through the expected chain of proxies
    candidate = entries[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
