"""A portal with something on every page, built from the sandbox through the portal's services:
customers and subscriptions, the US catalog and price sheet, orders placed outside the portal and
synced, entitlements, an invoice imported and reconciled, an open cart, a checkout waiting for
approval, registrations and notifications."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

SOFTWARE = [("DG7GMGF0DWTL", "0001"), ("DG7GMGF0FKZV", "0001")]


def build_world(*, sandbox, sales_user, finance_user, admin_user, settings) -> dict:
    from billing.models import Invoice
    from billing.services.charge_statements import statement_generate_month, statement_issue
    from billing.services.invoices import invoice_sync_all
    from billing.services.lines import line_import_run, line_import_start
    from billing.services.reconciliation import reconciliation_run
    from catalog.services.prices import price_sheet_sync
    from catalog.services.sync import catalog_sync
    from partnercenter.sandbox.seed import customer_id
    from portal.customers.services.sync import customer_sync_all, subscription_sync_all
    from portal.models import AzureSubscription, Customer, SubscriptionRegistration
    from portal.partner_center.client import get_client
    from purchasing.models import Notification
    from purchasing.services.checkout import checkout_submit
    from purchasing.services.entitlements import entitlements_sync
    from purchasing.services.orders import orders_sync
    from tests.purchasing.conftest import SUSE, add_line

    settings.PURCHASING_APPROVAL_THRESHOLDS = {"USD": "1"}
    sandbox.configure(order_list_delay=0, order_completion_delay=0, checkout_processing_delay=0)
    customer_sync_all()
    subscription_sync_all()
    catalog_sync(country="US", workers=2)
    price_sheet_sync(market="US", view="software")
    price_sheet_sync(market="US", view="azure_reservations")

    client = get_client()
    tenant = customer_id("contoso")
    for pid, sid in SOFTWARE:
        item = next(iter(client.list_availabilities(pid, sid, "US"))).catalog_item_id
        sandbox.create_external_order(tenant, [{"catalog_item_id": item, "quantity": 2}])
    orders_sync()
    sandbox.advance_clock(60)
    created = sandbox.generate_invoice(currency="USD", extra_lines=1)
    invoice_sync_all(queue_statements=False)
    invoice = Invoice.objects.get(invoice_id=created[0]["id"])
    line_import_run(import_id=line_import_start(invoice=invoice, queue=False).pk)
    reconciliation_run(invoice=invoice, actor=finance_user)
    entitlements_sync()
    # Customer charge statements of the invoice's month: one issued, the rest drafts.
    statements = statement_generate_month(month=invoice.invoice_date.date().replace(day=1))
    if statements:
        statement_issue(statement=statements[0], actor=finance_user)

    contoso = Customer.objects.get(tenant_id=tenant)
    line = add_line(contoso, sales_user, title=SUSE)
    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user)

    now = timezone.now()
    subs = list(AzureSubscription.objects.filter(is_reservation_eligible=True)[:2])
    for sub, state in zip(subs, ("registered", "registering"), strict=False):
        SubscriptionRegistration.objects.create(
            subscription=sub,
            requested_by=admin_user,
            requested_at=now - timedelta(minutes=5),
            state=state,
            ms_request_id="walk-req",
            correlation_id="walk-corr",
            attempts=2,
            finished_at=now if state == "registered" else None,
        )
    for user in (sales_user, finance_user, admin_user):
        Notification.objects.create(recipient=user, message="Something to read", url="/")
    return {"customer": contoso, "invoice": invoice, "checkout": checkout}
