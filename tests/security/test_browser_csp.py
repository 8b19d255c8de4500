"""In a real Chromium, the main pages of each role load under the Content-Security-Policy with no
violation (console or securitypolicyviolation event), and HTMX still works (customer search,
the SKU page's customer picker). Sign-in goes through the real form with django-axes on."""

from __future__ import annotations

import pytest

from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""

PAGES = {
    "sam-sales": ["/", "/catalog/", "/cart/", "/orders/", "/entitlements/", "/profile/"],
    "fin": [
        "/",
        "/billing/",
        "/billing/invoices/",
        "/billing/reconciliation/",
        "/orders/",
        "/approvals/",
    ],
    "ada": [
        "/",
        "/customers/",
        "/customers/registrations/",
        "/admin-tools/connection/",
        "/admin-tools/settings/",
        "/audit/",
    ],
}


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda msg: (
            problems.append(f"{msg.text} {msg.location.get('url', '')}")
            if (msg.type == "error" or "Content Security Policy" in msg.text)
            and "favicon.ico" not in msg.location.get("url", "")
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    return problems


def _violations(page) -> list[str]:
    return page.evaluate("window.__csp || []")


@pytest.mark.parametrize("username", list(PAGES))
def test_main_pages_load_without_csp_violations(page, world, settings, username):
    settings.AXES_ENABLED = True
    problems = _watch(page)
    browser_login(page, username)
    for url in PAGES[username]:
        response = page.goto(url)
        assert response.status == 200, url
        assert "default-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        assert _violations(page) == [], url
        assert page.evaluate("typeof htmx") == "object", f"htmx not loaded on {url}"
        assert problems == [], url


def test_htmx_search_and_autosubmit_work_under_csp(page, world, settings, artefacts):
    settings.AXES_ENABLED = True
    problems = _watch(page)
    from tests.conftest import _make_user

    _make_user("both", ["sales", "admin"])
    browser_login(page, "both")
    page.goto("/customers/")
    from playwright.sync_api import expect

    rows = page.locator("#customer-table tbody tr")
    expect(rows).to_have_count(2)
    with page.expect_request(lambda r: "q=Beta" in r.url and r.headers.get("hx-request")):
        page.fill("#id_q", "Beta")
    expect(rows).to_have_count(1)
    expect(page.locator("#customer-table")).to_contain_text("Beta GB")
    page.wait_for_url("**q=Beta**")  # hx-push-url
    # The SKU page's customer picker (data-autosubmit, no inline handler) reloads the page.
    sku = world["sku"]
    page.goto(f"/catalog/{sku.product.product_id}/{sku.sku_id}/")
    with page.expect_navigation():
        page.select_option("#id_pick_customer", str(world["a"].pk))
    assert f"customer={world['a'].pk}" in page.url
    page.screenshot(path=artefacts / "csp-sku.png", full_page=True)
    assert _violations(page) == []
    assert problems == []
