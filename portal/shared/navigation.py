"""The navigation bar: which sections each role sees.

An item shows when the user holds one of its roles (the sections a role works in) and the
section's view admits them (``portal.shared.access``), so the bar never links to a 403."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.shared.access import may_open
from portal.shared.roles import Role, user_roles


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[Role]


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem(_("Dashboard"), "dashboard", frozenset(Role)),
    NavItem(_("Catalog"), "catalog:index", frozenset({Role.SALES})),
    NavItem(_("Cart"), "purchasing:carts", frozenset({Role.SALES})),
    NavItem(_("Orders"), "purchasing:orders", frozenset({Role.SALES, Role.FINANCE})),
    NavItem(_("Entitlements"), "purchasing:entitlements", frozenset({Role.SALES})),
    NavItem(_("Invoices"), "billing:invoices", frozenset({Role.FINANCE})),
    NavItem(_("Reconciliation"), "billing:reconciliation", frozenset({Role.FINANCE})),
    NavItem(_("Markup rules"), "pricing:rules", frozenset({Role.FINANCE, Role.ADMIN})),
    NavItem(_("Margins"), "billing:margins", frozenset({Role.FINANCE})),
    NavItem(_("Statements"), "billing:statements", frozenset({Role.FINANCE})),
    NavItem(_("Customers"), "customers:list", frozenset({Role.SALES, Role.ADMIN})),
    NavItem(_("Registrations"), "customers:registrations", frozenset({Role.ADMIN})),
    NavItem(_("Price sheets"), "catalog:price_sheets", frozenset({Role.ADMIN})),
    NavItem(_("Connection"), "admin_tools:connection", frozenset({Role.ADMIN})),
    NavItem(_("Audit log"), "admin_tools:audit", frozenset({Role.ADMIN})),
)


def nav_for(user, current_path: str) -> list[dict]:
    roles = user_roles(user)
    items = []
    for item in NAV_ITEMS:
        if not roles & item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue  # section not installed in this build
        if not may_open(user, url):
            continue
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": item.label, "url": url, "url_name": item.url_name, "active": active})
    return items
