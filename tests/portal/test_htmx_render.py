"""``render_page``: the page's partial for an HTMX swap, the whole page otherwise."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from portal.shared.htmx import render_page

pytestmark = pytest.mark.django_db
TEMPLATE = "purchasing/notifications.html"
CONTEXT = {"page_obj": [], "show_all": False, "unread_count": 0}


def _request(user, **headers):
    request = RequestFactory().get("/notifications/", **headers)
    request.user = user
    request.htmx = HtmxDetails(request)
    return request


def _is_whole_page(response) -> bool:
    return b"<html" in response.content


def test_plain_request_gets_the_whole_page(sales_user):
    assert _is_whole_page(render_page(_request(sales_user), TEMPLATE, CONTEXT, part="list"))


def test_htmx_swap_gets_the_partial(sales_user):
    response = render_page(
        _request(sales_user, HTTP_HX_REQUEST="true"), TEMPLATE, CONTEXT, part="list"
    )
    assert not _is_whole_page(response) and b'id="notifications"' in response.content


def test_boosted_navigation_gets_the_whole_page(sales_user):
    request = _request(sales_user, HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")
    assert _is_whole_page(render_page(request, TEMPLATE, CONTEXT, part="list"))


def test_swap_aimed_elsewhere_gets_the_whole_page(sales_user):
    other = _request(sales_user, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="somewhere-else")
    mine = _request(sales_user, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="notifications")
    assert _is_whole_page(
        render_page(other, TEMPLATE, CONTEXT, part="list", target="notifications")
    )
    assert not _is_whole_page(
        render_page(mine, TEMPLATE, CONTEXT, part="list", target="notifications")
    )
