"""The one Partner Center error translator: every kind of client error becomes a portal error whose
sentence tells the user what happened while doing what, what to do next, and the ids support asks
for."""

from __future__ import annotations

import pytest

from partnercenter import errors as pc
from portal.shared.errors import (
    NeedsUserConnection,
    NotInPartnerCenter,
    PartnerCenterThrottled,
    PartnerCenterUnavailable,
    pc_error,
)

IDS = {"request_id": "r-1", "correlation_id": "c-1"}
SUPPORT = "request id r-1, correlation id c-1)"


def test_not_found_names_the_object_and_the_request_id():
    err = pc_error(
        pc.NotFound("gone", status=404, code=20003, description="Not found", **IDS),
        doing="reading invoice G1",
        what="invoice G1",
    )
    assert isinstance(err, NotInPartnerCenter) and err.code == "not_in_partner_center"
    assert err.message == "Partner Center has no invoice G1 (request id r-1)."


def test_not_found_without_a_name_says_to_refresh():
    err = pc_error(pc.NotFound("gone", status=404, **IDS), doing="reading customers")
    assert isinstance(err, NotInPartnerCenter)
    assert err.message.startswith(
        "Partner Center does not know the item while reading customers; refresh the list"
    )
    assert err.message.endswith("(HTTP 404, " + SUPPORT)


@pytest.mark.parametrize(
    "exc",
    [
        pc.UserSignInRequired("A partner user has to sign in", status=401, **IDS),
        pc.PermissionDenied("app-only token", status=403, code=2032, description="Denied", **IDS),
    ],
    ids=["401-user-token-refused", "403-app-only-token"],
)
def test_app_user_needed_sends_an_administrator_to_the_connection_page(exc):
    err = pc_error(exc, doing="reading entitlements")
    assert isinstance(err, NeedsUserConnection) and err.code == "sign_in_required"
    assert err.message.startswith(
        "Reading entitlements from Partner Center needs the App+User connection (a signed-in "
        "partner user): an administrator signs in on the Connection page (Admin tools), then "
        "try again."
    )
    assert SUPPORT in err.message


def test_refused_credentials_point_at_the_application_id_and_secret():
    err = pc_error(pc.AuthenticationError("bad", status=401, code=400, **IDS), doing="x-ing")
    assert not isinstance(err, NeedsUserConnection)
    assert "refused the portal's credentials while x-ing" in err.message
    assert "application id and secret" in err.message


def test_other_403_says_access_denied_with_partner_centers_reason():
    exc = pc.PermissionDenied("no", status=403, code=20002, description="No relationship", **IDS)
    err = pc_error(exc, doing="reading the subscriptions of Contoso")
    assert not isinstance(err, NeedsUserConnection)
    assert err.message.startswith(
        "Partner Center denied access while reading the subscriptions of Contoso: error 20002: "
        "No relationship; check in Partner Center"
    )


def test_throttled_gives_the_wait_partner_center_asked_for():
    exc = pc.Throttled("slow down", status=429, retry_after=57.0, **IDS)
    err = pc_error(exc, doing="reading customers")
    assert isinstance(err, PartnerCenterThrottled) and err.retry_after == 57.0
    assert err.message == (
        "Partner Center is throttling requests while reading customers; try again in 57 "
        "seconds. (HTTP 429, " + SUPPORT
    )


def test_throttled_without_retry_after_says_later():
    err = pc_error(pc.Throttled("slow", status=429, **IDS), doing="reading customers")
    assert "try again later." in err.message


@pytest.mark.parametrize(
    ("exc", "lead"),
    [
        (
            pc.Conflict("scope", status=409, code=10008, description="Not an Azure plan", **IDS),
            "Partner Center refused the subscription while placing the order: error 10008: Not "
            "an Azure plan: it cannot carry this reservation. Choose an Azure plan",
        ),
        (
            pc.ValidationError("scope", status=400, code=800013, description="RI", **IDS),
            "Partner Center refused the subscription while placing the order: error 800013: RI: "
            "it cannot carry this reservation.",
        ),
        (
            pc.ValidationError("reg", status=400, code=800030, description="Unregistered", **IDS),
            "Partner Center refused the subscription while placing the order: error 800030: "
            "Unregistered: it is not registered for Azure reservations yet. Register it",
        ),
        (
            pc.Conflict("busy", status=409, code=800064, description="Processing", **IDS),
            "Partner Center is busy with this item in another request while placing the order: "
            "error 800064: Processing; wait a minute and try again.",
        ),
        (
            pc.ValidationError("bad", status=400, code=800012, description="Bad qty", **IDS),
            "Partner Center rejected the request while placing the order: error 800012: Bad "
            "qty; correct it and try again.",
        ),
    ],
    ids=["409-10008-scope", "400-800013-scope", "800030-unregistered", "409-busy", "400-other"],
)
def test_refusals_say_what_partner_center_refused_and_what_to_change(exc, lead):
    err = pc_error(exc, doing="placing the order")
    assert type(err) is PartnerCenterUnavailable
    assert err.message.startswith(lead)
    assert err.details["pc_code"] == str(exc.code)


@pytest.mark.parametrize(
    ("exc", "lead"),
    [
        (
            pc.Timeout("timed out", **IDS),
            "Partner Center did not answer in time while reading customers (outage or network "
            "problem); try again in a few minutes.",
        ),
        (
            pc.ServerError("boom", status=503, **IDS),
            "Partner Center is unavailable while reading customers (outage or network problem); "
            "try again in a few minutes.",
        ),
        (
            pc.ConnectionFailed("reset", **IDS),
            "Partner Center is unavailable while reading customers (outage or network problem)",
        ),
        (
            pc.InvalidResponse("not json", status=200, **IDS),
            "Partner Center sent an answer the portal cannot read while reading customers",
        ),
    ],
    ids=["timeout", "5xx", "connection", "invalid-response"],
)
def test_outages_say_to_try_again_later(exc, lead):
    err = pc_error(exc, doing="reading customers")
    assert type(err) is PartnerCenterUnavailable
    assert err.message.startswith(lead)
    assert err.message.endswith(SUPPORT)
