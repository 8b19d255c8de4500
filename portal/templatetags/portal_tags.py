"""Template helpers: money with its currency, query strings for sort/filter/paging links, and
links shown only to roles that may follow them."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from portal.models import SyncState
from portal.shared import formats, pdf_fonts
from portal.shared.access import url_if_allowed as _url_if_allowed
from portal.shared.money import Money
from portal.shared.roles import has_role as _has_role

register = template.Library()


@register.filter
def money(value, currency: str | None = None) -> str:
    """``{{ amount|money:"USD" }}`` or ``{{ money_obj|money }}``; empty for None."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Money):
        return value.format()
    if not currency:
        return f"{Decimal(str(value)):,}"
    return Money(Decimal(str(value)), currency).format()


@register.filter
def local_datetime(value, length: str = "medium") -> str:
    """``{{ dt|local_datetime }}``: the user's time zone, the active language's format."""
    return formats.local_datetime(value, length=length)


@register.filter
def local_date(value, length: str = "medium") -> str:
    """``{{ d|local_date }}`` (``"short"``, ``"medium"``, ``"long"``)."""
    return formats.local_date(value, length=length)


@register.simple_tag
def pdf_font_family() -> str:
    """``font-family: {% pdf_font_family %};`` in PDF templates: Latin, then CJK fonts."""
    # Font names of our own constant list (quotes must stay quotes in CSS).
    return mark_safe(pdf_fonts.pdf_font_family())


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """Current query string with ``changes`` applied (None removes a key); resets page on filter."""
    params = context["request"].GET.copy()
    if "page" not in changes:
        params.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = urlencode(sorted(params.lists()), doseq=True)
    return f"?{encoded}" if encoded else "?"


@register.filter
def has_role(user, role: str) -> bool:
    return _has_role(user, role)


@register.simple_tag
def sync_state_for(kind: str):
    """``{% sync_state_for "orders" as state %}``: the SyncState of a job kind (or an empty one),
    for pages whose view does not pass it (stale-data warning via includes/sync_status.html)."""
    return SyncState.objects.filter(kind=kind).first() or SyncState(kind=kind)


@register.simple_tag(takes_context=True)
def url_if_allowed(context, url_name: str, *args, **kwargs) -> str:
    """``{% url_if_allowed 'app:name' arg as url %}{% if url %}<a href="{{ url }}">…{% endif %}``:
    the URL when the signed-in user's roles may open it (as its view's ``@role_required``
    declares), else empty, so a page offers only links and forms its reader can follow."""
    return _url_if_allowed(context["request"].user, url_name, *args, **kwargs)
