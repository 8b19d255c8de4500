"""Dashboard panels per role.

Apps register a callable ``panel(request) -> dict | None`` with ``register(role, panel)``; the
dashboard shows the panels of every role the user holds. A panel dict has ``title``, ``template``
and any context its template needs; the template reads it as ``panel.<key>``.
"""

from __future__ import annotations

from collections.abc import Callable

from portal.shared.roles import Role, user_roles

_PANELS: dict[Role, list[Callable]] = {role: [] for role in Role}


def register(role: Role, panel: Callable) -> Callable:
    if panel not in _PANELS[role]:
        _PANELS[role].append(panel)
    return panel


def panels_for(request) -> list[dict]:
    result, seen = [], set()
    for role in Role:
        if role not in user_roles(request.user):
            continue
        for panel in _PANELS[role]:
            if panel in seen:
                continue
            seen.add(panel)
            data = panel(request)
            if data:
                result.append({"role": role.value, **data})
    return result
