"""Shared bits of the billing services: Partner Center errors as portal errors, normalisation."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from partnercenter.errors import PartnerCenterError, UserSignInRequired
from portal.errors import PartnerCenterUnavailable, PortalError
from portal.params import ParamError, parse_decimal

SIGN_IN_HINT = (
    "Partner Center accepts this only with a signed-in partner user: ask an administrator to "
    "connect on the Connection page (Admin tools), then try again."
)


class SignInRequired(PortalError):
    code = "sign_in_required"


def pc_error(exc: PartnerCenterError, what: str) -> PortalError:
    """Turn a client error into a portal error with a sentence a finance user can act on."""
    if isinstance(exc, UserSignInRequired):
        return SignInRequired(f"Could not {what}: {SIGN_IN_HINT}")
    return PartnerCenterUnavailable(f"Could not {what}: {exc}", details={"status": exc.status})


def norm_provider(value) -> str:
    """``one_time`` / ``OneTime`` / ``onetime`` -> ``onetime`` (the query-form spelling)."""
    return str(value or "").replace("_", "").lower()


def norm_line_type(value) -> str:
    """``billing_line_items`` / ``BillingLineItems`` -> ``billinglineitems``."""
    return str(value or "").replace("_", "").lower()


def dec(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


# A reconciliation tolerance (line currency) fits the run's money column and compares sanely.
TOLERANCE_MIN = Decimal(0)
TOLERANCE_MAX = Decimal(1_000_000)


def tolerance_default() -> Decimal:
    return Decimal(str(settings.BILLING_RECONCILIATION_TOLERANCE))


def tolerance_clean(value) -> Decimal:
    """A tolerance the portal can store and compare: finite, 0..1,000,000, at most 6 decimals.
    Raises ``PortalError`` (code ``bad_tolerance``) otherwise."""
    try:
        return parse_decimal(
            value, label="The tolerance", minimum=TOLERANCE_MIN, maximum=TOLERANCE_MAX
        )
    except ParamError as exc:
        raise PortalError(str(exc), code="bad_tolerance") from None
