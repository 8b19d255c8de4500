"""Browser steps shared by the resale pricing tests."""

from __future__ import annotations

import re

from django.utils import timezone


def finance_and_sales_pages(browser, base_url: str, *, timeout_ms: int, downloads: bool = False):
    """Two pages in separate browser contexts (their own sessions): finance's and sales'."""

    def page():
        context = browser.new_context(
            base_url=base_url, viewport={"width": 1280, "height": 900}, accept_downloads=downloads
        )
        context.set_default_timeout(timeout_ms)
        return context.new_page()

    return page(), page()


def finance_creates_percent_rule(
    page, *, customer, product_id: str, percent: str, description: str
):
    """On the rule form, as finance: +``percent`` % on ``product_id`` for ``customer`` from today."""
    page.goto("/pricing/rules/new/")
    page.fill("#id_description", description)
    page.select_option("#id_kind", "percent")
    page.fill("#id_value", percent)
    page.select_option("#id_customer", str(customer.pk))
    page.fill("#id_product_id", product_id)
    page.fill("#id_effective_from", f"{timezone.localdate():%Y-%m-%d}")
    page.click("button:has-text('Save rule')")
    page.wait_for_url(re.compile(r"/pricing/rules/\d+/$"))
