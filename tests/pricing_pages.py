"""Browser steps shared by the resale pricing tests."""

from __future__ import annotations

import re

from django.utils import timezone


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
