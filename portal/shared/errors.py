"""The portal's expected-failure type, and the one translation of Partner Center errors into it.

``pc_error(exc, doing=...)`` is the only place a client error (``partnercenter.errors``) becomes a
sentence for a user: what went wrong while ``doing`` (a gerund phrase: "reading customers"), what
to do next, and the Partner Center ids support asks for. Services raise or store what it returns.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from partnercenter import errors as pc


class PortalError(Exception):
    """An expected failure of a service, shown to the user as ``message``."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}

    def __str__(self) -> str:
        return self.message


class NotAllowed(PortalError):
    code = "not_allowed"


class PartnerCenterUnavailable(PortalError):
    """Partner Center could not be reached or refused the call; message says what to do next."""

    code = "partner_center"


class NeedsUserConnection(PartnerCenterUnavailable):
    """The call needs the App+User connection and no (working) partner sign-in is stored."""

    code = "sign_in_required"


class PartnerCenterThrottled(PartnerCenterUnavailable):
    """Partner Center answered 429; ``retry_after`` is its wait in seconds (or None)."""

    code = "throttled"

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class NotInPartnerCenter(PortalError):
    """Partner Center itself answered 404 for the id."""

    code = "not_in_partner_center"


# Partner Center error codes whose meaning the user can act on (cart line and checkout codes).
ACCESS_NEEDS_USER = {"2032"}
SCOPE_MISMATCH = {"10008", "800013"}
NOT_REGISTERED = {"10011", "800030"}
CART_BUSY = {"800064"}


def pc_error(exc: pc.PartnerCenterError, *, doing: str, what: str = "") -> PortalError:
    """The portal error for ``exc`` raised while ``doing``; its message names the next step.

    ``what`` (e.g. "invoice G000123") makes Partner Center's 404 read "Partner Center has no
    invoice G000123 (request id …)."."""
    details = {
        "status": exc.status,
        "pc_code": str(exc.code or ""),
        "request_id": exc.request_id,
        "correlation_id": exc.correlation_id,
    }
    code = str(exc.code or "")
    if isinstance(exc, pc.UserSignInRequired) or (
        isinstance(exc, pc.PermissionDenied) and code in ACCESS_NEEDS_USER
    ):
        return NeedsUserConnection(_with_ids(_sign_in_sentence(doing), exc), details=details)
    if isinstance(exc, pc.NotFound):
        return NotInPartnerCenter(_not_found_sentence(exc, doing, what), details=details)
    if isinstance(exc, pc.Throttled):
        retry_after = getattr(exc, "retry_after", None)
        return PartnerCenterThrottled(
            _with_ids(_throttled_sentence(doing, retry_after), exc),
            retry_after=retry_after,
            details=details,
        )
    return PartnerCenterUnavailable(_with_ids(_sentence(exc, doing, code), exc), details=details)


def pc_error_message(exc: pc.PartnerCenterError, doing: str) -> str:
    """``pc_error(exc, doing=doing).message``: for services that store the sentence."""
    return pc_error(exc, doing=doing).message


def _sign_in_sentence(doing: str) -> str:
    return _(
        "%(doing)s from Partner Center needs the App+User connection (a signed-in partner "
        "user): an administrator signs in on the Connection page (Admin tools), then try again."
    ) % {"doing": doing[:1].upper() + doing[1:]}


def _not_found_sentence(exc: pc.PartnerCenterError, doing: str, what: str) -> str:
    if what:
        if exc.request_id:
            return _("Partner Center has no %(what)s (request id %(request_id)s).") % {
                "what": what,
                "request_id": exc.request_id,
            }
        return _("Partner Center has no %(what)s.") % {"what": what}
    return _with_ids(
        _(
            "Partner Center does not know the item while %(doing)s%(said)s; refresh the list "
            "from Partner Center and try again."
        )
        % {"doing": doing, "said": _said(exc)},
        exc,
    )


def _throttled_sentence(doing: str, retry_after: float | None) -> str:
    if retry_after:
        return _(
            "Partner Center is throttling requests while %(doing)s; try again in %(seconds)s "
            "seconds."
        ) % {"doing": doing, "seconds": int(retry_after) or 1}
    return _("Partner Center is throttling requests while %(doing)s; try again later.") % {
        "doing": doing
    }


# Over 60 lines on purpose: one sentence per kind of refusal, checked in order of precedence; a
# flat table of sentences reads better than helpers that split it.
def _sentence(exc: pc.PartnerCenterError, doing: str, code: str) -> str:
    values = {"doing": doing, "said": _said(exc)}
    if isinstance(exc, pc.AuthenticationError):
        return (
            _(
                "Partner Center refused the portal's credentials while %(doing)s; an administrator "
                "checks the application id and secret on the Connection page (Admin tools)."
            )
            % values
        )
    if isinstance(exc, pc.PermissionDenied):
        return (
            _(
                "Partner Center denied access while %(doing)s%(said)s; check in Partner Center that "
                "the partner may act for this customer and offer."
            )
            % values
        )
    if code in SCOPE_MISMATCH:
        return (
            _(
                "Partner Center refused the subscription while %(doing)s%(said)s: it cannot carry "
                "this reservation. Choose an Azure plan for an Azure-plan reservation, or a "
                "registered MS-AZR-0145P subscription for the others, then try again."
            )
            % values
        )
    if code in NOT_REGISTERED:
        return (
            _(
                "Partner Center refused the subscription while %(doing)s%(said)s: it is not "
                "registered for Azure reservations yet. Register it on the customer's page, then "
                "try again."
            )
            % values
        )
    if code in CART_BUSY or isinstance(exc, pc.Conflict):
        return (
            _(
                "Partner Center is busy with this item in another request while %(doing)s%(said)s; "
                "wait a minute and try again."
            )
            % values
        )
    if isinstance(exc, pc.ValidationError):
        return (
            _(
                "Partner Center rejected the request while %(doing)s%(said)s; correct it and try "
                "again."
            )
            % values
        )
    if isinstance(exc, pc.Timeout):
        return (
            _(
                "Partner Center did not answer in time while %(doing)s (outage or network problem); "
                "try again in a few minutes."
            )
            % values
        )
    if isinstance(exc, (pc.ServerError, pc.ConnectionFailed, pc.OutcomeUnknown)):
        return (
            _(
                "Partner Center is unavailable while %(doing)s (outage or network problem); try "
                "again in a few minutes."
            )
            % values
        )
    if isinstance(exc, pc.InvalidResponse):
        return (
            _(
                "Partner Center sent an answer the portal cannot read while %(doing)s; try again "
                "later, and tell support if it keeps happening."
            )
            % values
        )
    return _("Partner Center call failed while %(doing)s: %(error)s") % {
        "doing": doing,
        "error": exc,
    }


def _said(exc: pc.PartnerCenterError) -> str:
    """ ": error 800012: the description" when Partner Center gave a code."""
    if exc.code in (None, ""):
        return ""
    return _(": error %(code)s: %(description)s") % {
        "code": exc.code,
        "description": (exc.description or "").rstrip(". ") or "-",
    }


def _with_ids(sentence: str, exc: pc.PartnerCenterError) -> str:
    """The sentence followed by the ids support asks for: (HTTP 429, request id …, correlation id …)."""
    ids = []
    if exc.status:
        ids.append(_("HTTP %(status)s") % {"status": exc.status})
    if exc.request_id:
        ids.append(_("request id %(id)s") % {"id": exc.request_id})
    if exc.correlation_id:
        ids.append(_("correlation id %(id)s") % {"id": exc.correlation_id})
    return f"{sentence} ({', '.join(ids)})" if ids else sentence
