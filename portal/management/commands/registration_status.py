"""``manage.py registration_status SUBSCRIPTION_ID``: the reservation registration state (support)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from portal.customers.services.lookups import subscription_get_or_fetch
from portal.customers.services.registrations import registration_latest
from portal.shared.errors import PortalError


def _when(value) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


class Command(BaseCommand):
    help = "Print a subscription's reservation registration state and its latest registration."

    def add_arguments(self, parser):
        parser.add_argument("subscription_id", help="Azure subscription id (GUID)")
        parser.add_argument(
            "--customer",
            help="the subscription's customer (Partner Center id); default: look under each one",
        )

    def handle(self, *args, subscription_id: str, **options):
        try:
            found = subscription_get_or_fetch(
                subscription_id=subscription_id, customer_tenant_id=options.get("customer")
            )
        except PortalError as exc:
            raise CommandError(str(exc)) from exc
        sub = found.obj
        out = self.stdout.write
        if found.fetched:
            out(f"Read subscription {sub.subscription_id} from Partner Center by id.")
        out(f"Subscription:        {sub.subscription_id} ({sub.friendly_name or sub.offer_name})")
        out(f"Customer:            {sub.customer.company_name} ({sub.customer.tenant_id})")
        out(f"Offer:               {sub.offer_id}  status={sub.status or '-'}")
        out(f"Eligible:            {'yes' if sub.is_reservation_eligible else 'no'}")
        out(f"Registration state:  {sub.registration_state}")
        reg = registration_latest(sub)
        if reg is None:
            out("Latest registration: none")
            return
        out(f"Latest registration: #{reg.pk} {reg.state}")
        out(f"  requested by:      {reg.requested_by or 'system'} at {_when(reg.requested_at)}")
        out(f"  MS-RequestId:      {reg.ms_request_id}")
        out(f"  MS-CorrelationId:  {reg.correlation_id}")
        out(f"  polls:             {reg.attempts}  last status: {reg.last_status or '-'}")
        out(
            f"  last polled:       {_when(reg.last_polled_at)}  next poll: {_when(reg.next_poll_at)}"
        )
        out(f"  gives up at:       {_when(reg.polling_until)}")
        out(f"  finished:          {_when(reg.finished_at)}")
        if reg.last_error:
            out(f"  last error:        {reg.last_error}")
