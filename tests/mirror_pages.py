"""Test helper for pages of objects the mirror does not hold: follow the queued fetch's HTMX poll
(as the browser does) until it redirects to the object or shows the outcome in words."""

from __future__ import annotations

import time

HTMX = {"HTTP_HX_REQUEST": "true"}


def follow_fetch(client, status_url: str, timeout: float = 30.0):
    """Poll ``status_url`` like htmx; returns the last response (``HX-Redirect`` or final words)."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(status_url, **HTMX)
        assert response.status_code == 200, response.content[:300]
        if "HX-Redirect" in response or b"<progress" not in response.content:
            return response
        assert time.monotonic() < deadline, "the fetch did not finish in time"
        time.sleep(0.2)


def pc_calls(sandbox) -> int:
    """How many calls the sandbox has answered (to prove a request made none)."""
    return sum(sandbox.stats()["calls_per_route"].values())


def text(response) -> str:
    """The response's HTML with whitespace collapsed (for asserting sentences)."""
    return " ".join(response.content.decode().split())


def words(response) -> str:
    """The response's visible text (tags dropped, whitespace collapsed)."""
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())
