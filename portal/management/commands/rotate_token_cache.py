"""Re-encrypt the stored Partner Center token cache with the newest key (``SECRET_KEY``).

Rotation: put the new key in SECRET_KEY and the former one in SECRET_KEY_FALLBACKS, restart, run
this command, then drop the former key from SECRET_KEY_FALLBACKS. Safe to run again.
"""

from django.core.management.base import BaseCommand, CommandError

from portal.partner_center.token_cache import token_cache_rotate
from portal.shared.errors import PortalError


class Command(BaseCommand):
    help = "Re-encrypt the Partner Center token cache with SECRET_KEY (after a key rotation)."

    def handle(self, *args, **options):
        try:
            count = token_cache_rotate()
        except PortalError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Re-encrypted {count} token cache(s) with the newest key.")
