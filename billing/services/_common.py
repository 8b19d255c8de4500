"""Shared bits of the billing services: normalisation and the reconciliation tolerance."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from portal.shared.errors import PortalError
from portal.shared.params import ParamError, parse_decimal


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
            value, label=_("The tolerance"), minimum=TOLERANCE_MIN, maximum=TOLERANCE_MAX
        )
    except ParamError as exc:
        raise PortalError(str(exc), code="bad_tolerance") from None
