from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.roles import Role
from portal.staff import staff_create_or_update

DEMO_USERS = (("sales", Role.SALES), ("finance", Role.FINANCE), ("admin", Role.ADMIN))


class Command(BaseCommand):
    help = "Create the demo staff users (development only). Safe to run again."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo users are only created when DEBUG is true.")
        password = settings.PORTAL_DEMO_PASSWORD
        for username, role in DEMO_USERS:
            staff_create_or_update(username=username, password=password, roles=[role])
        self.stdout.write(f"Demo logins (password for all: {password}):")
        for username, role in DEMO_USERS:
            self.stdout.write(f"  {username:<8} role {role.value}")
