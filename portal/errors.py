"""The portal's expected-failure type: a code plus a sentence a user can act on."""


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
