"""The sandbox models Partner Center's per-partner request budget: beyond it, 429 with
Retry-After, before the request is processed; counted in the stats."""

from __future__ import annotations

from partnercenter.sandbox.app import create_app


def test_requests_beyond_the_budget_get_429_with_retry_after():
    app = create_app(":memory:", {"log_requests": False, "request_budget_rate": 0.5,
                                  "request_budget_burst": 2})  # fmt: skip
    client = app.test_client()
    answers = [client.get("/v1/customers") for _ in range(4)]
    assert [a.status_code for a in answers[:2]] == [401, 401]  # within the budget: processed
    assert [a.status_code for a in answers[2:]] == [429, 429]
    assert answers[2].headers["Retry-After"] == "2"  # a token every 2 s
    assert "Rate limit is exceeded" in answers[2].get_json()["message"]
    stats = client.get("/_sandbox/stats").get_json()
    assert stats["throttled"] == 2
    retry_after = sum(int(a.headers["Retry-After"]) for a in answers[2:])
    assert stats["throttled_retry_after_s"] == retry_after >= 4  # the waits it asked for
    assert client.get("/_sandbox/stats").status_code == 200  # the control API is never throttled


def test_no_budget_by_default():
    client = create_app(":memory:", {"log_requests": False}).test_client()
    assert all(client.get("/v1/customers").status_code == 401 for _ in range(30))
