from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from portal.models import Customer
from portal.roles import Role
from portal.staff import staff_create_or_update

DEMO_USERS = (("sales", Role.SALES), ("finance", Role.FINANCE), ("admin", Role.ADMIN))


class Command(BaseCommand):
    help = "Create the demo staff users (development only) and, with --sync, mirror the sandbox's data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sync",
            action="store_true",
            help="On a fresh database, sync customers, subscriptions, catalog, orders and invoices "
            "from Partner Center (the sandbox) so the demo has data to show.",
        )

    def handle(self, *args, sync: bool, **options):
        if not (settings.EMBEDDED or settings.DEBUG):
            raise CommandError(
                "Demo users are only created in embedded mode (no DATABASE_URL) or with DEBUG on."
            )
        password = settings.PORTAL_DEMO_PASSWORD
        for username, role in DEMO_USERS:
            staff_create_or_update(username=username, password=password, roles=[role])
        if sync and not Customer.objects.exists():
            self._sync_demo_data()
        self.stdout.write(f"Demo logins (password for all: {password}):")
        for username, role in DEMO_USERS:
            self.stdout.write(f"  {username:<8} role {role.value}")

    def _sync_demo_data(self) -> None:
        self.stdout.write("Loading demo data from the Partner Center sandbox…")
        _wait_for(settings.PARTNER_CENTER_API_URL)
        call_command("sync_customers", stdout=self.stdout)
        call_command("sync_subscriptions", stdout=self.stdout)
        for country in sorted(set(Customer.objects.values_list("country", flat=True))):
            call_command("sync_catalog", "--country", country, stdout=self.stdout)
        call_command("sync_orders", stdout=self.stdout)
        call_command("sync_invoices", stdout=self.stdout)


def _wait_for(url: str, timeout: float = 30.0) -> None:
    """Wait until something listens at ``url``'s host and port (the sandbox starting up)."""
    import socket
    import time
    from urllib.parse import urlparse

    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((parsed.hostname, port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise CommandError(f"Partner Center is not reachable at {url}.") from None
            time.sleep(0.2)
