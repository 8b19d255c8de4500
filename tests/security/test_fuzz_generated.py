"""Fuzzing generated from the code: the parameter names come from the views, selectors, forms and
templates (``params_from_code``), the URLs from the URLconf (every URL addressed with real objects
of the security world), the roles from each view's ``@role_required``. Every URL x every role
allowed on it gets random GET and POST requests (HTMX or not) mixing hostile values (bad dates and
periods, 1e40/NaN/Infinity, NUL bytes, foreign redirects, formula text, huge strings) with real
ids. Whatever comes in: never a 500.

Every URL x role first gets sweep rounds (every parameter name at once, rotating through the
values that used to break pages), then random rounds: at least ``FUZZ_MIN_PER_PAIR`` (10) in all,
more while ``FUZZ_SECONDS`` (30) last (``FUZZ_SEED`` varies the random rounds); the figures
(requests, URLs x roles, 500s) are printed."""

from __future__ import annotations

import os
import random
import time

import pytest
from django.test import Client

from tests.portal.test_access_matrix import ACCOUNT, ENTRIES, PUBLIC, _allowed_roles
from tests.security.conftest import object_url
from tests.security.params_from_code import parameter_names

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pc_unreachable")]
BUDGET_SECONDS = float(os.environ.get("FUZZ_SECONDS", "30"))
MIN_PER_PAIR = int(os.environ.get("FUZZ_MIN_PER_PAIR", "10"))  # the sweep takes 8
MAX_PER_PAIR = int(os.environ.get("FUZZ_MAX_PER_PAIR", "1000"))
HOSTILE = [
    "", " ", "0", "-1", "1", "2", "999999999999999999999", "9" * 400, "1e40", "NaN", "sNaN",
    "Infinity", "-Infinity", "0.0000001", "1.5", "0x10", "\u0663", "\uff11", "\u00b2",
    "0000-05", "9999-12", "2024-13", "2024-02", "2024-02-30", "0000-01-01", "9999-12-31",
    "2024-05-01", "\x00", "a\x00b", "1\x00", "https://evil.example/x", "//evil.example/x",
    "/\\evil.example", "javascript:alert(1)", "foo", "/billing/", "=HYPERLINK(\"x\")", "+1", "@a",
    "' OR 1=1 --", "<script>x</script>", "../../etc/passwd", "USD", "US", "one_time", "monthly",
    "approve", "reject", "accepted", "mismatch", "onetime", "billinglineitems", "on", "true",
    "A" * 5000, "é" * 300, "\r\n", "\t=1",
]  # fmt: skip
# Sweep rounds: every parameter name at once, each round shifting which of these values each name
# gets, so across the sweep every name meets every value on every URL x role.
SWEEP = ["a\x00b", "2024-02-30", "0000-05", "1e40", "NaN", "//evil.example/x", "foo", "9" * 30]
FIGURES = {"requests": 0, "pairs": 0, "urls": 0, "500s": 0, "seconds": 0.0}


def _real_values(w) -> list[str]:
    return [str(v) for v in (
        w["a"].pk, w["b"].pk, w["availability"].pk, w["line_a"].pk, w["cart_a"].pk,
        w["checkout"].pk, w["order"].pk, w["invoice"].invoice_id, w["product"].product_id,
        w["sku"].sku_id, w["result"].pk, w["sub"].pk, w["a"].tenant_id, w["order"].pc_order_id,
    )]  # fmt: skip


def _targets():
    for name, url, callback in ENTRIES:
        roles = _allowed_roles(callback)
        if name in PUBLIC | ACCOUNT or not roles:
            continue
        yield name, sorted(r.value for r in roles)


def test_generated_fuzz_never_500(world):
    names = parameter_names()
    assert {"from", "to", "period", "next", "tolerance", "q", "customer"} <= set(names)
    values = HOSTILE + _real_values(world)
    rng = random.Random(int(os.environ.get("FUZZ_SEED", "20261129")))
    clients = {}
    for role in ("sales", "finance", "admin"):
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(world["users"][role])
    pairs = [(name, object_url(name, world), role) for name, roles in _targets() for role in roles]
    failures = []
    started = time.monotonic()
    deadline = started + BUDGET_SECONDS
    rounds = 0
    # Round-robin over every URL x role: the sweep rounds, random rounds up to MIN_PER_PAIR, then
    # more random rounds while the time budget lasts (FUZZ_SECONDS raises it).
    while rounds < MIN_PER_PAIR or (time.monotonic() < deadline and rounds < MAX_PER_PAIR):
        for name, url, role in pairs:
            if rounds < len(SWEEP):
                data = {k: SWEEP[(rounds + i) % len(SWEEP)] for i, k in enumerate(names)}
                method = ("get", "post")[rounds % 2]
            else:
                keys = rng.sample(names, rng.randint(0, 5))
                data = {k: rng.choice(values) for k in keys}
                method = rng.choice(("get", "get", "post"))
            headers = {"HTTP_HX_REQUEST": "true"} if rng.random() < 0.3 else {}
            response = getattr(clients[role], method)(url, data, **headers)
            FIGURES["requests"] += 1
            if response.status_code >= 500:
                failures.append(f"{role} {method.upper()} {url} {data!r}"[:300])
        rounds += 1
    FIGURES["urls"] = len({name for name, _, _ in pairs})
    FIGURES["pairs"] = len(pairs)
    FIGURES["500s"] = len(failures)
    FIGURES["seconds"] = time.monotonic() - started
    _print_figures()
    assert FIGURES["requests"] >= len(SWEEP) * len(pairs) and len(pairs) > 90
    assert not failures, f"{len(failures)} answers of 500:\n" + "\n".join(failures[:20])


def _print_figures() -> None:
    print(
        f"\ngenerated fuzz: requests={FIGURES['requests']} urls={FIGURES['urls']} "
        f"url_x_roles={FIGURES['pairs']} 500s={FIGURES['500s']} seconds={FIGURES['seconds']:.0f}"
    )
