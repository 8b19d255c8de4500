"""Who may open a URL: the roles its view declares with ``@role_required``.

Templates and panels ask this before showing a link or a form, so a page never offers what
would answer 403 (``{% url_if_allowed %}`` in ``portal_tags``). The roles come from the view
itself, the same declaration that guards it; there is no second list to keep in step.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from portal.shared.roles import Role, user_roles


def _declared_roles(callback) -> frozenset[Role] | None:
    roles = getattr(callback, "allowed_roles", None)
    view_class = getattr(callback, "view_class", None)
    if roles is None and view_class is not None:
        roles = getattr(view_class, "allowed_roles", None) or None
    return frozenset(roles) if roles is not None else None


def roles_for_path(path: str) -> frozenset[Role] | None:
    """Roles the view at ``path`` admits; None when it declares none (public or own-account)."""
    return _declared_roles(resolve(path).func)


def may_open(user, path: str) -> bool:
    """True when ``user`` would get past the role guard of the view at ``path``."""
    try:
        roles = roles_for_path(path.split("?", 1)[0])
    except Resolver404:
        return False
    if roles is None:
        return bool(user and user.is_authenticated)
    return bool(user_roles(user) & roles)


def url_if_allowed(user, url_name: str, *args, **kwargs) -> str:
    """The URL of ``url_name`` when ``user`` may open it, else the empty string."""
    try:
        url = reverse(url_name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""
    return url if may_open(user, url) else ""
