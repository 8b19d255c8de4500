"""Language choice: the browser's Accept-Language, overridden by the user's stored choice (profile
page or the header's switch); ``<html lang>`` follows; the switch returns to the same page only
when that is a path on this site."""

import pytest

from portal.models import StaffProfile

pytestmark = pytest.mark.django_db

ZH = "zh-TW,zh;q=0.9,en;q=0.5"


def _lang(response) -> str:
    html = response.content.decode()
    return html[html.index("<html lang=") :].split('"')[1]


def test_accept_language_picks_traditional_chinese(sales_client):
    page = sales_client.get("/profile/", headers={"accept-language": ZH})
    assert _lang(page) == "zh-hant"
    assert "登出" in page.content.decode()  # Sign out
    assert page["Content-Language"] == "zh-hant"
    english = sales_client.get("/profile/", headers={"accept-language": "en-GB,en"})
    assert _lang(english) == "en" and "Sign out" in english.content.decode()


def test_the_profile_choice_wins_over_the_browser(sales_client, sales_user):
    response = sales_client.post(
        "/profile/", {"time_zone": "Asia/Taipei", "language": "zh-hant"}, follow=True
    )
    assert "已儲存您的偏好設定。" in response.content.decode()
    assert StaffProfile.objects.get(user=sales_user).language == "zh-hant"
    page = sales_client.get("/profile/", headers={"accept-language": "en-US,en"})
    assert _lang(page) == "zh-hant"
    # A new session (signing in again) reads the stored choice.
    from django.test import Client

    fresh = Client()
    fresh.force_login(sales_user)
    assert _lang(fresh.get("/", headers={"accept-language": "en"})) == "zh-hant"
    # Back to "the browser's language".
    sales_client.post("/profile/", {"time_zone": "Asia/Taipei", "language": ""})
    assert _lang(sales_client.get("/profile/", headers={"accept-language": "en"})) == "en"


def test_the_header_switch_returns_to_the_same_page(sales_client, sales_user):
    page = sales_client.get("/profile/?tab=x").content.decode()
    assert 'action="/language/"' in page and 'name="language" value="zh-hant"' in page
    response = sales_client.post("/language/", {"language": "zh-hant", "next": "/profile/?tab=x"})
    assert response.status_code == 302 and response["Location"] == "/profile/?tab=x"
    assert StaffProfile.objects.get(user=sales_user).language == "zh-hant"
    assert response.cookies["django_language"].value == "zh-hant"
    after = sales_client.get("/profile/", headers={"accept-language": "en"})
    assert _lang(after) == "zh-hant"
    assert 'name="language" value="en"' in after.content.decode()  # the way back


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_the_switch_never_leaves_the_site(sales_client, target):
    response = sales_client.post("/language/", {"language": "zh-hant", "next": target})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_switch_refuses_unknown_languages_and_get(sales_client, sales_user):
    response = sales_client.post("/language/", {"language": "xx", "next": "/profile/"}, follow=True)
    assert "Choose a language from the list." in response.content.decode()
    assert not StaffProfile.objects.filter(user=sales_user, language="xx").exists()
    assert sales_client.get("/language/").status_code == 405


def test_the_switch_needs_csrf(sales_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_user)
    assert client.post("/language/", {"language": "zh-hant"}).status_code == 403


def test_sign_in_page_follows_the_browser(client):
    page = client.get("/accounts/login/", headers={"accept-language": "zh-HK,zh;q=0.8"})
    html = page.content.decode()
    assert _lang(page) == "zh-hant" and "<h1>登入</h1>" in html and "使用者名稱" in html


@pytest.mark.parametrize(("url", "status", "heading"), [
    ("/custmers/", 404, "找不到頁面"),
    ("/billing/", 403, "您沒有存取此頁面的權限"),
])  # fmt: skip
def test_error_pages_in_traditional_chinese(sales_client, settings, url, status, heading):
    settings.DEBUG = False
    response = sales_client.get(url, headers={"accept-language": ZH})
    assert response.status_code == status
    assert _lang(response) == "zh-hant" and f"<h1>{heading}</h1>" in response.content.decode()


@pytest.mark.urls("tests.portal.urls_boom")
def test_server_error_page_in_traditional_chinese(sales_client, settings):
    settings.DEBUG = False
    sales_client.raise_request_exception = False
    response = sales_client.get("/boom/", headers={"accept-language": ZH})
    assert response.status_code == 500
    assert _lang(response) == "zh-hant" and "<h1>發生錯誤</h1>" in response.content.decode()
