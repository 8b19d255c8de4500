"""The one way a view answers HTMX: the named partial of the page's template for an HTMX request,
the whole page otherwise (plain navigation, boosted links, no JavaScript)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render


def wants_partial(request, *, target: str | None = None) -> bool:
    """An HTMX request that swaps part of the page (not a boosted navigation); with ``target``,
    only one aimed at the element with that id."""
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.boosted:
        return False
    return target is None or htmx.target == target


def render_page(
    request,
    template: str,
    context: dict,
    *,
    part: str,
    target: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """``template#part`` (django-template-partials) when ``wants_partial``, else ``template``."""
    name = f"{template}#{part}" if wants_partial(request, target=target) else template
    return render(request, name, context, status=status)
