"""Every page as every role, in Chromium: nothing a page offers answers 403 or 404, no console
error, no failed request, and axe-core finds no serious or critical violation."""

from __future__ import annotations

import time

import pytest

from tests.conftest import browser_login
from tests.walk.walker import axe_serious, walk
from tests.walk.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each role must reach at least these many distinct pages (the walk finds its pages itself;
# a floor catches a walk that silently stops at the dashboard).
MIN_PAGES = {"sally": 15, "fiona": 10, "adam": 8}


def test_every_page_as_every_role(
    browser, live_server, sandbox, pc_user_connection, sales_user, finance_user, admin_user,
    settings, tmp_path,
):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path / "media"
    started = time.monotonic()
    build_world(
        sandbox=sandbox, sales_user=sales_user, finance_user=finance_user,
        admin_user=admin_user, settings=settings,
    )  # fmt: skip
    built = time.monotonic() - started
    reports = []
    for username in MIN_PAGES:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        browser_login(page, username)
        reports.append(walk(page, username))
        context.close()
    summary = f"data built in {built:.0f} s\n" + "\n".join(r.summary() for r in reports)
    print("\n" + summary)
    problems = [
        f"{r.username}: {f}" for r in reports for f in r.findings + r.console_errors + r.axe
    ]
    assert not problems, summary + "\n" + "\n".join(problems)
    for r in reports:
        assert len(r.pages) >= MIN_PAGES[r.username], summary


def test_sign_in_and_error_pages_pass_axe(page, finance_user):
    """Pages the walk cannot reach from the dashboard: sign-in, a mistyped URL, a forbidden page."""
    page.goto("/accounts/login/")
    problems = [f"sign-in: {p}" for p in axe_serious(page)]
    browser_login(page, "fiona")
    for url, status in (("/custmers/", 404), ("/customers/", 403)):
        response = page.goto(url)
        assert response.status == status, url
        assert page.locator("a.skip-link").count() == 1
        problems += [f"{url}: {p}" for p in axe_serious(page)]
    assert not problems, "\n".join(problems)
