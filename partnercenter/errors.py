"""Exception tree for Partner Center calls.

Every error carries the HTTP status, Partner Center's error ``code``/``description``/``data`` and the
``MS-RequestId`` / ``MS-CorrelationId`` of the call, and ``str(err)`` is a sentence a user can read.
``should_retry`` says whether repeating the call (with the same request id for writes) may succeed.
"""

from __future__ import annotations

from typing import Any


class PartnerCenterError(Exception):
    """Base class of every error the client raises."""

    should_retry = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: Any = None,
        description: str | None = None,
        data: Any = None,
        request_id: str | None = None,
        correlation_id: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.description = description
        self.data = data
        self.request_id = request_id
        self.correlation_id = correlation_id
        self.body = body

    def __str__(self) -> str:
        text = self.message.rstrip()
        if text and text[-1] not in ".!?":
            text += "."
        ids = []
        if self.request_id:
            ids.append(f"request id {self.request_id}")
        if self.correlation_id:
            ids.append(f"correlation id {self.correlation_id}")
        return f"{text} ({', '.join(ids)})" if ids else text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, status={self.status!r}, code={self.code!r}, "
            f"request_id={self.request_id!r}, correlation_id={self.correlation_id!r})"
        )


class AuthenticationError(PartnerCenterError):
    """401, or no token could be obtained."""


class UserSignInRequired(AuthenticationError):
    """The operation needs an App+User token and no signed-in user (or a revoked one) is available."""


class PermissionDenied(PartnerCenterError):
    """403."""


class NotFound(PartnerCenterError):
    """404."""


class ValidationError(PartnerCenterError):
    """400/409/412/417: the request was understood and refused (see ``code`` and ``description``)."""


class Conflict(ValidationError):
    """409: e.g. the cart is being processed by another request (800064)."""

    should_retry = True


class Throttled(PartnerCenterError):
    """429 after retries; ``retry_after`` is the server's wait in seconds (or None)."""

    should_retry = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(PartnerCenterError):
    """5xx after retries (reads only; writes raise OutcomeUnknown)."""

    should_retry = True


class Timeout(PartnerCenterError):
    """No response in time after retries (reads only)."""

    should_retry = True


class ConnectionFailed(PartnerCenterError):
    """The connection could not be made or broke (reads, or writes that were never sent)."""

    should_retry = True


class OutcomeUnknown(PartnerCenterError):
    """A write may or may not have happened: retries ran out after it was (possibly) sent.

    Repeat it with the same ``request_id`` (Partner Center treats that as idempotent), or read the
    resource to find out.
    """

    should_retry = True


class InvalidResponse(PartnerCenterError):
    """The body was not JSON or not the documented shape."""


def error_for_status(status: int) -> type[PartnerCenterError]:
    """The error class for an HTTP status."""
    if status == 401:
        return AuthenticationError
    if status == 403:
        return PermissionDenied
    if status == 404:
        return NotFound
    if status == 409:
        return Conflict
    if status == 429:
        return Throttled
    if status >= 500:
        return ServerError
    if 400 <= status < 500:
        return ValidationError
    return PartnerCenterError
