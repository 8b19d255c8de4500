"""Transport: one pooled session, ids, retries with backoff, error mapping, per-attempt logging.

``MS-RequestId`` is generated once per logical call and reused on every retry (Partner Center treats
it as an idempotency key); ``MS-CorrelationId`` is new per call unless the caller passes one. Retried:
connection errors, timeouts, 5xx and 429 (sleeping ``Retry-After``); a 401 once, at once, after
dropping the refused token from the cache (a token the server considers expired). A write whose outcome is unknown
when retries run out raises :class:`OutcomeUnknown`.
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from . import errors

logger = logging.getLogger("partnercenter")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
USER_AGENT = "partner-portal-partnercenter/1.0"


def new_id() -> str:
    return str(uuid.uuid4())


def _no_auth(request: Any) -> Any:
    return request


class PartnerCenterSession(requests.Session):
    """A ``requests.Session`` that reads the environment (proxy variables, ``~/.netrc``) once per
    host instead of on every call: a catalog sync or a line import makes tens of thousands of
    calls, and scanning ``os.environ`` and the file system for each was a sizeable share of the
    client's time. Behaviour is otherwise that of ``requests.Session`` (``trust_env`` honoured)."""

    def __init__(self) -> None:
        super().__init__()
        self._env_proxies: dict[tuple[str, str | None], dict[str, str]] = {}
        self._netrc: dict[str, Any] = {}

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        if self.trust_env and not request.auth and not self.auth:
            host = urlsplit(request.url).netloc
            if host not in self._netrc:
                self._netrc[host] = requests.utils.get_netrc_auth(request.url)
            request.auth = self._netrc[host] or _no_auth
        return super().prepare_request(request)

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[override]
        if self.trust_env:
            no_proxy = proxies.get("no_proxy") if proxies is not None else None
            parts = urlsplit(url)
            key = (f"{parts.scheme}://{parts.netloc}", no_proxy)
            env_proxies = self._env_proxies.get(key)
            if env_proxies is None:
                env_proxies = requests.utils.get_environ_proxies(url, no_proxy=no_proxy)
                self._env_proxies[key] = env_proxies
            if proxies is None:
                proxies = {}
            for k, v in env_proxies.items():
                proxies.setdefault(k, v)
            if verify is True or verify is None:
                verify = (
                    os.environ.get("REQUESTS_CA_BUNDLE")
                    or os.environ.get("CURL_CA_BUNDLE")
                    or verify
                )
        proxies = requests.sessions.merge_setting(proxies, self.proxies)
        stream = requests.sessions.merge_setting(stream, self.stream)
        verify = requests.sessions.merge_setting(verify, self.verify)
        cert = requests.sessions.merge_setting(cert, self.cert)
        return {"proxies": proxies, "stream": stream, "verify": verify, "cert": cert}


class Transport:
    """Sends one logical call, with retries; returns the final successful ``requests.Response``."""

    def __init__(
        self,
        *,
        base_url: str,
        session: requests.Session,
        token: Callable[[str, list[str] | None], str],
        invalidate: Callable[[str, str], None] | None = None,
        timeout: tuple[float, float] | float = (5.0, 30.0),
        max_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        max_retry_after: float = 120.0,
        deadline: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self._token = token
        self._invalidate = invalidate  # (kind, refused token): drop it so the next one is fresh
        self.timeout = timeout
        self.max_retries = max_retries
        self.sleep = sleep
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_retry_after = max_retry_after
        # time.monotonic() by which every call, retries included, must be over (a web page's
        # time budget): no attempt starts after it, no wait runs past it.
        self.deadline = deadline

    def url(self, path: str) -> str:
        """Absolute URL for a path or a resource link (relative, ``/v1`` optional)."""
        if path.startswith(("http://", "https://")):
            return path
        if not path.startswith("/"):
            path = "/" + path
        if not (path == "/v1" or path.startswith(("/v1/", "/v1?"))):
            path = "/v1" + path
        return self.base_url + path

    def _attempt_timeout(self) -> tuple[float, float] | float:
        """The configured timeout, shortened to what is left before the deadline."""
        if self.deadline is None:
            return self.timeout
        left = max(0.1, self.deadline - time.monotonic())
        connect, read = self.timeout if isinstance(self.timeout, tuple) else (self.timeout,) * 2
        return (min(connect, left), min(read, left))

    def backoff(self, attempt: int) -> float:
        """Capped exponential backoff with full jitter (attempt counts from 1)."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** (attempt - 1)))
        return random.uniform(ceiling / 2, ceiling)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        user: bool = False,
        scopes: list[str] | None = None,
        request_id: str | None = None,
        correlation_id: str | None = None,
        stream: bool = False,
        accept: str = "application/json",
    ) -> requests.Response:
        method = method.upper()
        url = self.url(path)
        request_id = request_id or new_id()
        correlation_id = correlation_id or new_id()
        ids = {"request_id": request_id, "correlation_id": correlation_id}
        is_write = method in WRITE_METHODS
        maybe_sent = False  # some attempt may have reached the server without a clear answer
        token_renewed = False  # a cached token refused with 401 is replaced once per call
        last_error: errors.PartnerCenterError | None = None
        attempt = 0
        while True:
            attempt += 1
            if self.deadline is not None and time.monotonic() >= self.deadline:
                if last_error is None:
                    raise errors.Timeout(
                        f"Partner Center was not asked ({method} {_path(url)}): the time this "
                        "page may wait for Partner Center is spent",
                        **ids,
                    )
                break
            try:
                token = self._token("user" if user else "app", scopes)
            except errors.PartnerCenterError as exc:
                exc.request_id, exc.correlation_id = request_id, correlation_id
                raise
            send_headers = {
                "Authorization": f"Bearer {token}",
                "Accept": accept,
                "MS-RequestId": request_id,
                "MS-CorrelationId": correlation_id,
                "User-Agent": USER_AGENT,
                "X-Locale": "en-US",
            }
            if headers:
                send_headers.update(headers)
            kwargs: dict[str, Any] = {}
            if json is not None:
                kwargs["json"] = json
            elif is_write:
                kwargs["data"] = b""
            started = time.monotonic()
            wait: float | None = None
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    headers=send_headers,
                    timeout=self._attempt_timeout(),
                    stream=stream,
                    **kwargs,
                )
            except requests.RequestException as exc:
                sent = not _never_sent(exc)
                maybe_sent = maybe_sent or sent
                self._log(method, url, None, started, attempt, ids, error=type(exc).__name__)
                kind = (
                    errors.Timeout if isinstance(exc, requests.Timeout) else errors.ConnectionFailed
                )
                what = "timed out" if kind is errors.Timeout else "could not connect"
                last_error = kind(f"Partner Center {what} ({method} {_path(url)}): {exc}", **ids)
                last_error.__cause__ = exc
            else:
                self._log(method, url, response.status_code, started, attempt, ids)
                if response.status_code < 400:
                    return response
                last_error = error_from_response(response, method, url, **ids)
                if (
                    response.status_code == 401
                    and not token_renewed
                    and self._invalidate is not None
                ):
                    # The cached token was refused (e.g. expired by the server's clock before ours):
                    # drop it and repeat the call at once with a fresh one (same request id).
                    token_renewed = True
                    response.close()
                    self._invalidate("user" if user else "app", token)
                    continue
                if user and response.status_code == 401:
                    # The user's token was refused (e.g. consent revoked): they must sign in again.
                    raise errors.UserSignInRequired(
                        last_error.message,
                        status=401,
                        code=last_error.code,
                        description=last_error.description,
                        data=last_error.data,
                        **ids,
                    )
                if response.status_code == 429:
                    wait = last_error.retry_after  # type: ignore[attr-defined]
                    if wait is not None and wait > self.max_retry_after:
                        raise last_error
                elif response.status_code >= 500:
                    maybe_sent = True
                else:
                    raise last_error
                response.close()
            if attempt > self.max_retries:
                break
            delay = wait if wait is not None else self.backoff(attempt)
            if self.deadline is not None and time.monotonic() + delay >= self.deadline:
                break
            self.sleep(delay)
        if is_write and maybe_sent:
            raise errors.OutcomeUnknown(
                f"Partner Center may or may not have carried out {method} {_path(url)}; "
                f"repeat it with the same request id or check the resource ({last_error.message})",
                status=last_error.status,
                code=last_error.code,
                description=last_error.description,
                data=last_error.data,
                **ids,
            ) from last_error
        raise last_error

    def _log(
        self,
        method: str,
        url: str,
        status: int | None,
        started: float,
        attempt: int,
        ids: dict[str, str],
        error: str | None = None,
    ) -> None:
        duration_ms = int((time.monotonic() - started) * 1000)
        fields = {
            "method": method,
            "path": _path(url),
            "status": status,
            "duration_ms": duration_ms,
            "attempt": attempt,
            "error": error,
            **ids,
        }
        level = logging.INFO if status is not None and status < 400 else logging.WARNING
        logger.log(
            level,
            "%s %s -> %s in %dms (attempt %d, request_id=%s, correlation_id=%s)",
            method,
            fields["path"],
            status if status is not None else error,
            duration_ms,
            attempt,
            ids["request_id"],
            ids["correlation_id"],
            extra={"partnercenter": fields},
        )


def _path(url: str) -> str:
    return urlsplit(url).path


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request certainly never reached the server (connect phase failed)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        text = repr(exc.args[0] if exc.args else exc)
        return "NewConnectionError" in text or "NameResolutionError" in text
    return False


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_from_response(
    response: requests.Response, method: str, url: str, *, request_id: str, correlation_id: str
) -> errors.PartnerCenterError:
    """Map an error response (partner-center.md §1.8, §1.9) to the typed exception."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = (
            response.text[:1000]
            if not response.raw or not getattr(response, "_content_consumed", True)
            else None
        )
    code = description = data = None
    if isinstance(body, dict):
        code = body.get("code", body.get("statusCode"))
        description = body.get("description") or body.get("message") or body.get("errorDescription")
        data = body.get("data")
    cls = errors.error_for_status(status)
    reason = description or response.reason or "error"
    message = f"Partner Center refused {method} {_path(url)}: {reason} (HTTP {status}"
    message += f", code {code})" if code not in (None, "") else ")"
    kwargs: dict[str, Any] = {
        "status": status,
        "code": code,
        "description": description,
        "data": data,
        "request_id": request_id,
        "correlation_id": correlation_id,
        "body": body,
    }
    if cls is errors.Throttled:
        kwargs["retry_after"] = parse_retry_after(response.headers.get("Retry-After"))
    return cls(message, **kwargs)
