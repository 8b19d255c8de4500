"""Every URL in the URLconf x every role: anonymous → login, wrong role → 403, right role → in.

New URLs are covered automatically: a view that declares no roles fails this test.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Views reachable without a role: sign-in and health (public), and the user's own account pages.
PUBLIC = {"login", "healthz"}
ACCOUNT = {"logout", "password_change", "password_change_done"}
SAMPLE_ARGS = {"int": "999999", "uuid": str(uuid.UUID(int=0)), "str": "x", "slug": "x", "path": "x"}


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("django-admin"):
                continue  # the Django admin has its own guard, tested below
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix, pattern, namespace


def _sample_url(prefix: str, pattern: URLPattern) -> str:
    route = prefix + str(pattern.pattern)
    for name, converter in pattern.pattern.converters.items():
        kind = type(converter).__name__.replace("Converter", "").lower()
        route = route.replace(f"<{kind}:{name}>", SAMPLE_ARGS.get(kind, "1"))
        route = route.replace(f"<{name}>", "x")
    return "/" + route.lstrip("^").rstrip("$")


def _allowed_roles(callback):
    roles = getattr(callback, "allowed_roles", None)
    view_class = getattr(callback, "view_class", None)
    if roles is None and view_class is not None:
        roles = getattr(view_class, "allowed_roles", None) or None
    return roles


ENTRIES = [
    (f"{ns}{p.name}" if p.name else str(p.pattern), _sample_url(prefix, p), p.callback)
    for prefix, p, ns in _walk(get_resolver().url_patterns)
    if not str(p.pattern).startswith(("static", "media"))
]


def test_matrix_covers_urls():
    assert len(ENTRIES) >= 5
    names = {name for name, _, _ in ENTRIES}
    assert {"dashboard", "login", "healthz"} <= names


@pytest.mark.parametrize(("name", "url", "callback"), ENTRIES, ids=[e[0] for e in ENTRIES])
def test_every_view_declares_roles(name, url, callback):
    if name in PUBLIC | ACCOUNT:
        return
    assert _allowed_roles(callback), f"{name} ({url}) declares no roles: use @role_required"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url", "callback"), ENTRIES, ids=[e[0] for e in ENTRIES])
def test_url_role_matrix(name, url, callback, client, django_user_model):
    from tests.conftest import _make_user

    if name in PUBLIC:
        assert client.get(url).status_code in (200, 302, 503)
        return
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"], name
    if name in ACCOUNT:
        return
    allowed = {r.value for r in _allowed_roles(callback)}
    for role in ("sales", "finance", "admin", None):
        user = _make_user(f"u-{role}", [role] if role else [])
        client.force_login(user)
        status = client.get(url).status_code
        if role in allowed:
            assert status != 403, f"{role} should reach {name} ({url}), got {status}"
            assert status != 500
        else:
            assert status == 403, f"{role or 'no role'} must not reach {name} ({url}), got {status}"
        client.logout()


@pytest.mark.django_db
def test_django_admin_is_for_admins_only(client, sales_user, admin_user):
    client.force_login(sales_user)
    assert client.get("/django-admin/").status_code == 302  # back to the admin login
    client.force_login(admin_user)
    assert client.get("/django-admin/").status_code == 200
