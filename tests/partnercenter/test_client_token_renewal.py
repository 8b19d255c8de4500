"""A cached token that the server already considers expired (its clock runs ahead of ours) is
replaced once: the client drops it, gets a fresh one and repeats the call with the same
MS-RequestId. App-only and App+User tokens; a revoked sign-in still ends in UserSignInRequired."""

from __future__ import annotations

import logging

import pytest

from partnercenter import UserSignInRequired
from tests.conftest import sandbox_sign_in


def _calls(caplog, path_part: str) -> list[dict]:
    return [
        r.partnercenter
        for r in caplog.records
        if getattr(r, "partnercenter", None) and path_part in r.partnercenter["path"]
    ]


def test_expired_app_token_is_renewed_once_with_the_same_request_id(sb, caplog):
    client = sb.client(sleep=lambda s: None)
    assert list(client.list_customers())  # token cached
    tokens_before = sb.stats()["token_requests"].get("client_credentials", 0)
    sb.advance_clock(2 * 3600)  # the server now sees the cached token as expired; MSAL does not

    caplog.set_level(logging.INFO, logger="partnercenter")
    caplog.clear()  # only the calls after the clock jump count
    customers = list(client.list_customers())

    assert customers
    assert sb.stats()["token_requests"]["client_credentials"] == tokens_before + 1
    calls = _calls(caplog, "/v1/customers")
    assert [c["status"] for c in calls] == [401, 200]
    assert calls[0]["request_id"] == calls[1]["request_id"]
    caplog.clear()
    list(client.list_customers())  # the fresh token is cached: no further token request
    assert sb.stats()["token_requests"]["client_credentials"] == tokens_before + 1
    assert [c["status"] for c in _calls(caplog, "/v1/customers")] == [200]


def _signed_in_client(sb):
    client = sb.client(sleep=lambda s: None)
    flow = client.begin_user_sign_in("http://localhost/callback")
    client.complete_user_sign_in(flow, sandbox_sign_in(flow))
    return client


def test_expired_user_token_is_refreshed_once(sb, caplog):
    client = _signed_in_client(sb)
    assert list(client.list_invoice_summaries()) is not None  # App+User call, token cached
    refreshes = sb.stats()["token_requests"].get("refresh_token", 0)
    sb.advance_clock(2 * 3600)

    caplog.set_level(logging.INFO, logger="partnercenter")
    caplog.clear()  # only the calls after the clock jump count
    list(client.list_invoice_summaries())

    assert sb.stats()["token_requests"]["refresh_token"] == refreshes + 1
    calls = _calls(caplog, "/v1/invoices/summaries")
    assert [c["status"] for c in calls] == [401, 200]
    assert calls[0]["request_id"] == calls[1]["request_id"]


def test_revoked_user_sign_in_still_requires_a_new_sign_in(sb):
    client = _signed_in_client(sb)
    list(client.list_invoice_summaries())
    sb.revoke_user_tokens(access_tokens=True)  # access token refused and refresh token dead

    with pytest.raises(UserSignInRequired):
        list(client.list_invoice_summaries())
