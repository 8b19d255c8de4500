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
from dataclasses import dataclass
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


@dataclass
class _Call:
    """One logical call's state across its attempts (the ids stay the same on every retry)."""

    method: str
    url: str
    request_id: str
    correlation_id: str
    user: bool
    scopes: list[str] | None
    send: dict[str, Any]
    accept: str
    attempt: int = 0
    maybe_sent: bool = False  # some attempt may have reached the server without a clear answer
    token_renewed: bool = False  # a cached token refused with 401 is replaced once per call
    wait: float | None = None  # Retry-After of the last 429
    last_error: errors.PartnerCenterError | None = None

    @property
    def ids(self) -> dict[str, str]:
        return {"request_id": self.request_id, "correlation_id": self.correlation_id}


# ``Transport._attempt``'s answer for "repeat at once" (a refused cached token was dropped).
_AGAIN_NOW = object()


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
        """One logical call: attempts (same ids) until an answer, a refusal, or retries run out.

        Returns the first response below 400; raises the typed error of a refusal at once, the
        last error when retries run out, or ``OutcomeUnknown`` for a write that may have been
        carried out."""
        call = _Call(
            method=method.upper(),
            url=self.url(path),
            request_id=request_id or new_id(),
            correlation_id=correlation_id or new_id(),
            user=user,
            scopes=scopes,
            send={"params": params, "json": json, "headers": headers, "stream": stream},
            accept=accept,
        )
        while True:
            call.attempt += 1
            if self.deadline is not None and time.monotonic() >= self.deadline:
                if call.last_error is None:
                    raise errors.Timeout(
                        f"Partner Center was not asked ({call.method} {_path(call.url)}): the "
                        "time this page may wait for Partner Center is spent",
                        **call.ids,
                    )
                break
            outcome = self._attempt(call)
            if isinstance(outcome, requests.Response):
                return outcome
            if outcome is _AGAIN_NOW:
                continue
            if call.attempt > self.max_retries:
                break
            delay = call.wait if call.wait is not None else self.backoff(call.attempt)
            if self.deadline is not None and time.monotonic() + delay >= self.deadline:
                break
            self.sleep(delay)
        raise self._final_error(call)

    def _attempt(self, call: _Call) -> requests.Response | object | None:
        """One attempt: the response, ``_AGAIN_NOW`` (repeat at once, with a fresh token), or
        None (retry after a wait; ``call.last_error`` says why). Raises refusals."""
        call.wait = None
        try:
            token = self._token("user" if call.user else "app", call.scopes)
        except errors.PartnerCenterError as exc:
            exc.request_id, exc.correlation_id = call.request_id, call.correlation_id
            raise
        started = time.monotonic()
        try:
            response = self.session.request(
                call.method,
                call.url,
                params=call.send["params"],
                headers=self._headers(call, token),
                timeout=self._attempt_timeout(),
                stream=call.send["stream"],
                **self._body(call),
            )
        except requests.RequestException as exc:
            call.maybe_sent = call.maybe_sent or not _never_sent(exc)
            self._log(call.method, call.url, None, started, call.attempt, call.ids,
                      error=type(exc).__name__)  # fmt: skip
            kind = errors.Timeout if isinstance(exc, requests.Timeout) else errors.ConnectionFailed
            what = "timed out" if kind is errors.Timeout else "could not connect"
            call.last_error = kind(
                f"Partner Center {what} ({call.method} {_path(call.url)}): {exc}", **call.ids
            )
            call.last_error.__cause__ = exc
            return None
        self._log(call.method, call.url, response.status_code, started, call.attempt, call.ids)
        if response.status_code < 400:
            return response
        return self._refused(call, response, token)

    def _refused(self, call: _Call, response: requests.Response, token: str) -> object | None:
        """An error response: ``_AGAIN_NOW`` after dropping a refused cached token (once per
        call), None for a retryable answer (429, 5xx), else raise its typed error."""
        status = response.status_code
        call.last_error = error_from_response(response, call.method, call.url, **call.ids)
        if status == 401 and not call.token_renewed and self._invalidate is not None:
            # The cached token was refused (e.g. expired by the server's clock before ours):
            # drop it and repeat the call at once with a fresh one (same request id).
            call.token_renewed = True
            response.close()
            self._invalidate("user" if call.user else "app", token)
            return _AGAIN_NOW
        if call.user and status == 401:
            # The user's token was refused (e.g. consent revoked): they must sign in again.
            refused = call.last_error
            raise errors.UserSignInRequired(
                refused.message, status=401, code=refused.code,
                description=refused.description, data=refused.data, **call.ids,
            )  # fmt: skip
        if status == 429:
            call.wait = call.last_error.retry_after  # type: ignore[attr-defined]
            if call.wait is not None and call.wait > self.max_retry_after:
                raise call.last_error
        elif status >= 500:
            call.maybe_sent = True
        else:
            raise call.last_error
        response.close()
        return None

    def _headers(self, call: _Call, token: str) -> dict[str, str]:
        send_headers = {
            "Authorization": f"Bearer {token}",
            "Accept": call.accept,
            "MS-RequestId": call.request_id,
            "MS-CorrelationId": call.correlation_id,
            "User-Agent": USER_AGENT,
            "X-Locale": "en-US",
        }
        if call.send["headers"]:
            send_headers.update(call.send["headers"])
        return send_headers

    @staticmethod
    def _body(call: _Call) -> dict[str, Any]:
        if call.send["json"] is not None:
            return {"json": call.send["json"]}
        return {"data": b""} if call.method in WRITE_METHODS else {}

    @staticmethod
    def _final_error(call: _Call) -> errors.PartnerCenterError:
        """When retries run out: ``OutcomeUnknown`` for a write that may have reached Partner
        Center, else the last attempt's error."""
        last = call.last_error
        assert last is not None
        if call.method in WRITE_METHODS and call.maybe_sent:
            unknown = errors.OutcomeUnknown(
                f"Partner Center may or may not have carried out {call.method} "
                f"{_path(call.url)}; repeat it with the same request id or check the resource "
                f"({last.message})",
                status=last.status, code=last.code, description=last.description,
                data=last.data, **call.ids,
            )  # fmt: skip
            unknown.__cause__ = last
            return unknown
        return last

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
