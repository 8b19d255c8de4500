import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from portal.admin_tools.services.staff import staff_create_or_update
from portal.shared.roles import Role


class Command(BaseCommand):
    help = "Create or update a staff user with one or more roles (sales, finance, admin)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--role", action="append", required=True, choices=[r.value for r in Role]
        )
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Omit to be asked (or set PORTAL_STAFF_PASSWORD).")
        parser.add_argument("--no-input", action="store_false", dest="interactive")

    def handle(self, *args, username, role, email, password, interactive, **options):
        password = password or os.environ.get("PORTAL_STAFF_PASSWORD")
        if not password:
            if not interactive or not os.isatty(0):
                raise CommandError(
                    "No password given: pass --password or set PORTAL_STAFF_PASSWORD."
                )
            password = getpass.getpass(f"Password for {username}: ")
        user, created = staff_create_or_update(
            username=username, password=password, roles=[Role(r) for r in role], email=email
        )
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} {user.username} with roles {', '.join(role)}.")
