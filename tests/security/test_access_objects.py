"""Object-level access and request-method/CSRF rules, over the whole URLconf with real objects.

* Every URL, addressed with the ids of real objects: a wrong role gets 403, the right role never
  a 403 or 500, and a GET changes nothing in the database (a fingerprint of every table).
* Every POST without a CSRF token is refused (403) and changes nothing, for every URL.
* Every POST-only view answers GET with 405 (found by introspecting ``require_POST``).
* Objects owned by someone else (a notification, a line of another customer's cart) are 404.
* Management commands are for shell users only: they are not reachable over HTTP (no URL runs
  ``call_command``); see docs/security.md.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.portal.test_access_matrix import ACCOUNT, ENTRIES, PUBLIC, _allowed_roles
from tests.security.conftest import db_fingerprint, object_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pc_unreachable")]
ROLE_USER = {"sales": "sales", "finance": "finance", "admin": "admin", None: "none"}
# GETs that write on purpose, with the reason.
GET_WRITES = {
    # The profile page creates the user's StaffProfile row on first visit (time zone preference).
    "profile": "creates the user's own StaffProfile on first visit",
    # Review re-validates the cart against Partner Center and records the outcome on the cart
    # (push error / change notes) so the page can show what changed; no purchase happens.
    "purchasing:review": "re-validates the cart against Partner Center and records the outcome",
}


def _url(name: str, world: dict) -> str:
    return object_url(name, world)


def _allowed_methods(callback) -> set[str] | None:
    """The methods allowed by a ``require_http_methods`` decorator anywhere in the wrapper chain."""
    func = callback
    while func is not None:
        for cell in func.__closure__ or ():
            value = cell.cell_contents
            if (
                isinstance(value, list | tuple)
                and value
                and all(isinstance(v, str) and v.isupper() for v in value)
            ):
                return set(value)
        func = getattr(func, "__wrapped__", None)
    return None


GUARDED = [(n, c) for n, _, c in ENTRIES if n not in PUBLIC | ACCOUNT]
POST_ONLY = sorted(n for n, c in GUARDED if _allowed_methods(c) == {"POST"})


def test_post_only_views_are_found():
    # Sanity: the introspection finds the action endpoints (more are fine).
    assert {
        "customers:sync",
        "customers:subscription_register",
        "purchasing:cart_line_update",
        "purchasing:place",
        "purchasing:approval_decide",
        "billing:import",
        "billing:statement_fetch",
        "catalog:sync",
        "admin_tools:connection_sign_out",
    } <= set(POST_ONLY)


@pytest.mark.parametrize(("name", "callback"), GUARDED, ids=[g[0] for g in GUARDED])
def test_object_url_role_matrix_and_safe_get(name, callback, world, settings):
    url = _url(name, world)
    allowed = {r.value for r in _allowed_roles(callback)}
    clients = {}
    for role, key in ROLE_USER.items():  # signing in writes (sessions, sign-in records): first
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(world["users"][key])
    state = db_fingerprint()  # carried from role to role: each check reads the tables once
    for role, client in clients.items():
        response = client.get(url)
        after_get = db_fingerprint()
        if role in allowed:
            assert response.status_code not in (403, 500), f"{role} GET {url}"
            if name not in GET_WRITES:
                assert after_get == state, f"GET {url} as {role} changed the database"
        else:
            assert response.status_code == 403, f"{role or 'no role'} GET {url}"
            assert after_get == state
        state = after_get
        wrong = client.post(url, {"quantity": "1", "decision": "approve"})
        if role not in allowed:
            assert wrong.status_code == 403, f"{role or 'no role'} POST {url}"
            assert db_fingerprint() == state
        else:  # the allowed POST may really act (e.g. delete a rule): start again from its result
            state = db_fingerprint()


@pytest.mark.parametrize("name", POST_ONLY)
def test_post_only_views_refuse_get(name, world):
    callback = dict(GUARDED)[name]
    role = sorted(r.value for r in _allowed_roles(callback))[0]
    client = Client()
    client.force_login(world["users"][role])
    before = db_fingerprint()
    assert client.get(_url(name, world)).status_code == 405
    assert db_fingerprint() == before


ALL_NAMED = [n for n, _, _ in ENTRIES]


@pytest.mark.parametrize("name", ALL_NAMED)
def test_post_without_csrf_token_is_refused(name, world):
    entry = {n: c for n, _, c in ENTRIES}[name]
    roles = _allowed_roles(entry) or ()
    role = sorted(r.value for r in roles)[0] if roles else "sales"
    client = Client(enforce_csrf_checks=True)
    if name != "login":
        client.force_login(world["users"][role])
    before = db_fingerprint()
    response = client.post(_url(name, world), {"quantity": "1", "decision": "approve"})
    assert response.status_code == 403, f"POST {name} without CSRF -> {response.status_code}"
    assert b"CSRF" in response.content
    assert db_fingerprint() == before


def test_csrf_token_from_the_page_is_accepted(world):
    """The positive control: the token the page carries (hx-headers) makes the same POST pass."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["sales"])
    page = client.get(reverse("purchasing:cart", kwargs={"customer_pk": world["a"].pk}))
    token = page.context["csrf_token"]
    assert f'"X-CSRFToken": "{token}"' in page.content.decode()
    url = reverse(
        "purchasing:cart_line_update",
        kwargs={"customer_pk": world["a"].pk, "line_pk": world["line_a"].pk},
    )
    response = client.post(url, {"quantity": "3"}, HTTP_X_CSRFTOKEN=str(token))
    assert response.status_code in (200, 302)
    world["line_a"].refresh_from_db()
    assert world["line_a"].quantity == 3


def test_someone_elses_notification_is_404(world):
    client = Client()
    client.force_login(world["users"]["sales"])
    note = world["note_sales2"]
    url = reverse("purchasing:notification_read", kwargs={"pk": note.pk})
    assert client.post(url).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None
    owner = Client()
    owner.force_login(world["users"]["sales2"])
    assert owner.post(url).status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None


@pytest.mark.parametrize("action", ["cart_line_update", "cart_line_remove"])
def test_line_of_another_customers_cart_is_404(world, action):
    client = Client()
    client.force_login(world["users"]["sales"])
    line_b = world["line_b"]
    url = reverse(
        f"purchasing:{action}", kwargs={"customer_pk": world["a"].pk, "line_pk": line_b.pk}
    )
    before = db_fingerprint()
    assert client.post(url, {"quantity": "99"}).status_code == 404
    assert db_fingerprint() == before
    line_b.refresh_from_db()
    assert line_b.quantity == 5


@pytest.mark.parametrize(
    "path",
    [
        "/customers/999999/",
        "/customers/subscriptions/999999/row/",
        "/cart/999999/",
        "/checkouts/999999/",
        "/orders/999999/",
        "/billing/invoices/NOPE/",
        "/billing/invoices/G000SEC1/lines/999999/",
        "/catalog/NOPE/",
        "/catalog/NOPE/0001/",
    ],
)
def test_missing_objects_are_404(world, path):
    client = Client()
    client.force_login(world["users"]["admin"])
    client.force_login(_superuser())
    assert client.get(path).status_code == 404


def _superuser():
    from tests.conftest import _make_user

    return _make_user("all-roles", ["sales", "finance", "admin"])


def test_statement_pdf_is_served_to_finance_only(world):
    url = reverse("billing:statement", kwargs={"invoice_id": world["invoice"].invoice_id})
    for key, expected in (("finance", 200), ("sales", 403), ("admin", 403), ("none", 403)):
        client = Client()
        client.force_login(world["users"][key])
        response = client.get(url)
        allowed = {r.value for r in _allowed_roles(dict(GUARDED)["billing:statement"])}
        if key in allowed:
            assert response.status_code == 200
            assert b"".join(response.streaming_content).startswith(b"%PDF")
        else:
            assert response.status_code == 403, key
    # The PDF is not reachable as a public media file.
    assert Client().get("/media/" + world["pdf"].file.name).status_code in (302, 404)


def test_no_url_runs_management_commands():
    """Management commands (sync_*, createstaff, load_demo, ...) run only from a shell on the
    server: no view module imports call_command."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    views = [
        p
        for app in ("portal", "catalog", "purchasing", "billing")
        for p in (root / app).glob("*views*.py")
    ]
    assert views
    for path in views:
        assert "call_command" not in path.read_text(), path


def test_the_fingerprint_sees_a_changed_row_and_ignores_sign_ins(world):
    """The check the matrix relies on: one changed column of one row changes the digest."""
    before = db_fingerprint()
    Client().force_login(world["users"]["sales"])
    assert db_fingerprint() == before
    type(world["line_a"]).objects.filter(pk=world["line_a"].pk).update(quantity=4)
    assert db_fingerprint() != before
