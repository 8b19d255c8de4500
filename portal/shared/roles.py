"""Staff roles (Django groups) and the guard every view uses.

A user's roles are the names of their groups among ``Role``; a superuser holds every role.
Views declare who may use them with ``@role_required(...)`` (functions) or
``RoleRequiredMixin.allowed_roles`` (classes); the declared roles are kept on the view so the
URL x role matrix test can check every URL without a hand-kept list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy


class Role(StrEnum):
    SALES = "sales"
    FINANCE = "finance"
    ADMIN = "admin"


ALL_ROLES = frozenset(Role)

# What a role is called on pages (the value is the group's name and stays English).
ROLE_LABELS = {
    Role.SALES: gettext_lazy("sales"),
    Role.FINANCE: gettext_lazy("finance"),
    Role.ADMIN: gettext_lazy("admin"),
}


def user_roles(user) -> frozenset[Role]:
    """Return the roles of ``user`` (cached on the user object for the request)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        if user.is_superuser:
            cached = ALL_ROLES
        else:
            names = set(user.groups.values_list("name", flat=True))
            cached = frozenset(role for role in Role if role.value in names)
        user._portal_roles = cached
    return cached


def has_role(user, *roles: Role | str) -> bool:
    return bool(user_roles(user) & {Role(r) for r in roles})


def role_required(*roles: Role | str) -> Callable:
    """Allow the view to users holding any of ``roles``; others get 403."""
    allowed = frozenset(Role(r) for r in roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *allowed):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed
        return wrapper

    return decorator


class RoleRequiredMixin(AccessMixin):
    """Class-based counterpart of ``role_required``."""

    allowed_roles: Iterable[Role] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_role(request.user, *self.allowed_roles):
            raise PermissionDenied("Your role does not give access to this page.")
        return super().dispatch(request, *args, **kwargs)
