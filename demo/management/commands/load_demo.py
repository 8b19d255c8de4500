"""manage.py load_demo [--sync]: the demo staff users and, on a fresh database, the whole product
mirrored from the local Partner Center sandbox (local portals only; see ``demo.guard``)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from billing.models import Invoice
from billing.services.statements import statement_download_attempt, statement_request
from catalog.rules import PERPETUAL_SETTING
from demo.guard import demo_refusal, sandbox_health
from demo.pricing import demo_markup_rules
from demo.sandbox import SandboxControl
from demo.scenario import demo_billed_invoice, demo_open_cart, demo_reconcile
from demo.sign_in import demo_partner_sign_in
from portal.admin_tools.services.settings_store import portal_setting_set
from portal.admin_tools.services.staff import staff_create_or_update
from portal.customers.services.registrations import registration_start
from portal.models import AzureSubscription, Customer
from portal.shared.errors import PortalError
from portal.shared.roles import Role

DEMO_USERS = (("sales", Role.SALES), ("finance", Role.FINANCE), ("admin", Role.ADMIN))
# The demo's purchases, reconciled invoice and its PDF: the Taiwanese customer, whose company name
# is in Chinese characters (台灣富百科股份有限公司), buying in TWD.
DEMO_CUSTOMER_COUNTRY = "TW"
CART_CUSTOMER_COUNTRY = "US"  # Contoso: a cart in progress, priced in USD
REGISTRATION_DELAY = 300  # seconds the demo registration stays "registering" in the sandbox


class Command(BaseCommand):
    help = (
        "Create the demo staff users and, with --sync on a fresh database, load the whole demo "
        "from the local Partner Center sandbox (refused anywhere else)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sync",
            action="store_true",
            help="On a fresh database: sign the sandbox's partner user in, mirror customers, "
            "subscriptions, catalog, price sheets, orders, entitlements and invoices, download "
            "the statements, place and reconcile a demo invoice, start a registration.",
        )

        parser.add_argument(
            "--migrate",
            action="store_true",
            help="Apply migrations first (make run: one start-up instead of two).",
        )

    def handle(self, *args, sync: bool, migrate: bool, **options):
        refusal = demo_refusal(check_sandbox=False)
        if refusal:
            raise CommandError(refusal)
        if migrate:
            call_command("migrate", interactive=False, verbosity=0)
        password = settings.PORTAL_DEMO_PASSWORD
        users = {
            username: staff_create_or_update(username=username, password=password, roles=[role])[0]
            for username, role in DEMO_USERS
        }
        if sync and not Customer.objects.exists():
            started = time.monotonic()
            try:
                self._load(users)
            except PortalError as exc:
                raise CommandError(str(exc).replace("\n", " ")) from None
            self.stdout.write(
                _("Demo data loaded in %(seconds).1f s.") % {"seconds": time.monotonic() - started}
            )
        self.stdout.write(
            _("Demo logins (password for all: %(password)s):") % {"password": password}
        )
        for username, role in DEMO_USERS:
            self.stdout.write(f"  {username:<8} " + _("role %(role)s") % {"role": role.value})

    def _step(self, text: str) -> None:
        self.stdout.write(f"· {text}")

    def _load(self, users: dict) -> None:
        _wait_for_sandbox(settings.PARTNER_CENTER_API_URL)
        refusal = demo_refusal()
        if refusal:
            raise CommandError(refusal)
        sandbox = SandboxControl(settings.PARTNER_CENTER_API_URL)
        sandbox.configure(registration_delay=REGISTRATION_DELAY)
        self._step(_("Signing the sandbox's partner user in (App+User)"))
        connection = demo_partner_sign_in(actor=users["admin"])
        self.stdout.write("  " + _("signed in as %(user)s") % {"user": connection.username})
        # The demo partner sells perpetual software too, so that part of the catalog is buyable.
        portal_setting_set(key=PERPETUAL_SETTING, value=True, actor=users["admin"])
        call_command("sync_customers", stdout=self.stdout)
        call_command("sync_subscriptions", stdout=self.stdout)
        for country in sorted(set(Customer.objects.values_list("country", flat=True))):
            call_command("sync_catalog", "--country", country, stdout=self.stdout)
        call_command("sync_price_sheets", stdout=self.stdout)
        call_command("sync_orders", stdout=self.stdout)

        customer = Customer.objects.filter(country=DEMO_CUSTOMER_COUNTRY).order_by("pk").first()
        self._step(_("Markup rules: a standard markup per product family, key accounts apart"))
        demo_markup_rules(actor=users["finance"], key_accounts=[customer] if customer else [])
        self._step(_("Placing the demo orders through the portal and billing them"))
        invoice = demo_billed_invoice(sandbox=sandbox, seller=users["sales"], customer=customer)
        call_command("sync_entitlements", stdout=self.stdout)
        classes = demo_reconcile(invoice=invoice, actor=users["finance"])
        self.stdout.write(
            "  "
            + _("invoice %(id)s reconciled: %(classes)s")
            % {"id": invoice.invoice_id, "classes": ", ".join(sorted(classes))}
        )
        call_command("sync_invoices", "--no-statements", stdout=self.stdout)

        self._step(_("Downloading the statement PDFs"))
        for each in Invoice.objects.filter(is_active=True):
            statement = statement_request(invoice=each, actor=users["finance"], queue=False)
            statement = statement_download_attempt(statement_id=statement.pk)
            self.stdout.write(f"  {each.invoice_id}: {statement.get_state_display()}")

        subscription = (
            AzureSubscription.objects.filter(
                is_active=True, is_reservation_eligible=True, registration_state="not_registered"
            )
            .order_by("customer__country", "pk")
            .first()
        )
        if subscription is not None:
            self._step(
                _("Registering %(subscription)s for reservations (in progress)")
                % {"subscription": subscription}
            )
            registration_start(subscription=subscription, actor=users["admin"])
        cart_customer = Customer.objects.filter(country=CART_CUSTOMER_COUNTRY).first()
        if cart_customer is not None:
            self._step(
                _("Leaving a cart in progress for %(customer)s") % {"customer": cart_customer}
            )
            demo_open_cart(seller=users["sales"], customer=cart_customer)


def _wait_for_sandbox(url: str, timeout: float = 30.0) -> None:
    """Wait until the sandbox started by ``make run`` answers."""
    deadline = time.monotonic() + timeout
    while sandbox_health(url, timeout=1) is None:
        if time.monotonic() > deadline:
            raise CommandError(_("Partner Center is not reachable at %(url)s.") % {"url": url})
        time.sleep(0.2)
