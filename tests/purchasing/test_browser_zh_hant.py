"""In Chromium, in Traditional Chinese: a salesperson switches the portal to 繁體中文 in the header,
buys an item for the Taiwanese customer whose name is in Chinese characters (catalog -> cart ->
review -> place order), Partner Center bills it into a TWD invoice, and a finance user whose
browser asks for zh-TW downloads the reconciliation PDF: pdftotext shows the Chinese name."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import pytest

from catalog.models import Availability
from portal.models import Customer, StaffProfile
from purchasing.models import Order
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TAIWAN = "台灣富百科股份有限公司"
ITEM = "Windows Server 2022 Standard - 2 Core License Pack - 1 year"


@pytest.fixture
def taiwan_shop(sandbox, pc_user_connection, settings):
    from catalog.services.prices import price_sheet_sync
    from catalog.services.sync import catalog_sync
    from portal.customers.services.sync import customer_sync_all, subscription_sync_all

    settings.PURCHASING_ORDER_SYNC_FIRST_COUNTDOWN = 1
    sandbox.configure(order_list_delay=0, order_completion_delay=0, checkout_processing_delay=0)
    customer_sync_all()
    subscription_sync_all()
    catalog_sync(country="TW", workers=2)
    price_sheet_sync(market="TW", view="software")
    customer = Customer.objects.get(company_name=TAIWAN)
    availability = (
        Availability.objects.select_related("sku__product")
        .filter(country="TW", segment="commercial", reservation_scope="", sku__title=ITEM)
        .first()
    )
    assert availability is not None and customer.currency == "TWD"
    return customer, availability


def _wait_for_order(customer, timeout: float = 40.0) -> Order:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        order = Order.objects.filter(customer=customer).exclude(pc_order_id="").first()
        if order is not None:
            return order
        time.sleep(0.2)
    raise AssertionError("the checkout placed no order")


def _bill_and_reconcile(sandbox, customer, order, finance_user):
    """Bill the order at 110 % of its price: the report lists the line, with its customer."""
    from billing.models import Invoice
    from billing.services.invoices import invoice_sync_all
    from billing.services.lines import line_import_run, line_import_start
    from billing.services.reconciliation import reconciliation_run

    created = sandbox.generate_invoice(
        currency="TWD",
        customer_id=str(customer.tenant_id),
        adjust={order.pc_order_id: {"unit_price_factor": "1.1"}},
    )
    assert created, "the sandbox billed nothing"
    invoice_sync_all(queue_statements=False)
    invoice = Invoice.objects.get(invoice_id=created[0]["id"])
    line_import_run(import_id=line_import_start(invoice=invoice, queue=False).pk)
    reconciliation_run(invoice=invoice, actor=finance_user)
    return invoice


def test_a_chinese_speaking_team_buys_for_a_taiwanese_customer_and_gets_its_pdf(
    taiwan_shop, page, browser, live_server, sandbox, celery_worker, sales_user, finance_user,
    tmp_path,
):  # fmt: skip
    customer, availability = taiwan_shop
    sku = availability.sku

    # The salesperson's browser asks for English; the header switch makes the portal Chinese.
    browser_login(page, "sally")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_test_id("language-zh-hant").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hant"
    assert StaffProfile.objects.get(user=sales_user).language == "zh-hant"

    page.goto(f"/catalog/{sku.product.product_id}/{sku.sku_id}/?customer={customer.pk}")
    assert TAIWAN in page.content()
    page.locator(f'a[href*="/cart/add/?availability={availability.pk}&"]').click()
    page.wait_for_url(re.compile(r"/cart/add/"))
    assert page.locator("html").get_attribute("lang") == "zh-hant"
    page.fill("#id_quantity", str(max(2, sku.min_quantity or 1)))
    if availability.terms:
        page.select_option("#id_term_duration", availability.terms[0]["duration"])
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url(re.compile(rf"/cart/{customer.pk}/$"))
    assert page.get_by_test_id("line-error").count() == 0, page.content()
    assert TAIWAN in page.content()
    page.locator(f'a[href$="/cart/{customer.pk}/review/"]').click()
    page.wait_for_url(re.compile("/review/$"))
    page.get_by_test_id("place-order").click()
    page.wait_for_url(re.compile(r"/checkouts/\d+/$"))
    order = _wait_for_order(customer)
    assert order.currency == "TWD"

    invoice = _bill_and_reconcile(sandbox, customer, order, finance_user)

    # Finance: a browser asking for Traditional Chinese (Accept-Language zh-TW).
    context = browser.new_context(base_url=live_server.url, locale="zh-TW", accept_downloads=True)
    context.set_default_timeout(15_000)
    finance = context.new_page()
    try:
        browser_login(finance, "fiona")
        finance.goto(f"/billing/invoices/{invoice.invoice_id}/reconciliation/")
        assert finance.locator("html").get_attribute("lang") == "zh-hant"
        with finance.expect_download() as download:
            finance.locator(f'a[href$="/{invoice.invoice_id}/reconciliation.pdf"]').click()
        path = tmp_path / "reconciliation.pdf"
        download.value.save_as(path)
    finally:
        context.close()
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is not installed (apt-get install poppler-utils)")
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert TAIWAN in re.sub(r"\s+", "", text), text[:2000]
    assert "合作夥伴入口網站" in text  # the report itself is in Chinese
