"""Error pages in the portal's look, with nothing a developer left behind, when DEBUG is off."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

DEVELOPER_DETAIL = ("URLconf", "Traceback", "Request Method", "portal.urls", "DEBUG", "SELECT")


def _assert_portal_page(html: str, heading: str):
    assert f"<h1>{heading}</h1>" in html
    assert 'class="topbar"' in html and "portal.css" in html
    for detail in DEVELOPER_DETAIL:
        assert detail not in html, detail


def test_mistyped_url_shows_the_portal_404(sales_client, settings):
    settings.DEBUG = False
    response = sales_client.get("/custmers/")
    assert response.status_code == 404
    html = response.content.decode()
    _assert_portal_page(html, "Page not found")
    assert 'aria-label="Main"' in html  # the reader keeps the navigation to find their way back


def test_missing_record_shows_the_portal_404(sales_client, settings):
    settings.DEBUG = False
    response = sales_client.get("/customers/999999/")
    assert response.status_code == 404
    _assert_portal_page(response.content.decode(), "Page not found")


def test_forbidden_page_shows_the_portal_403(finance_client, settings):
    settings.DEBUG = False
    response = finance_client.get("/customers/")
    assert response.status_code == 403
    _assert_portal_page(response.content.decode(), "You don't have access to this page")


@pytest.mark.urls("tests.portal.urls_boom")
def test_server_error_shows_the_portal_500_without_detail(sales_client, settings):
    settings.DEBUG = False
    sales_client.raise_request_exception = False
    response = sales_client.get("/boom/")
    assert response.status_code == 500
    _assert_portal_page(response.content.decode(), "Something went wrong")
