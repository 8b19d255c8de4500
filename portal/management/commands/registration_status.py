"""``manage.py registration_status SUBSCRIPTION_ID``: the reservation registration state (support)."""

import datetime
import uuid

from django.core.management.base import BaseCommand, CommandError

from portal.models import AzureSubscription
from portal.services.registrations import registration_latest


def _when(value) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


class Command(BaseCommand):
    help = "Print a subscription's reservation registration state and its latest registration."

    def add_arguments(self, parser):
        parser.add_argument("subscription_id", help="Azure subscription id (GUID)")

    def handle(self, *args, subscription_id: str, **options):
        try:
            sid = uuid.UUID(subscription_id)
        except ValueError as exc:
            raise CommandError(f"{subscription_id!r} is not a subscription id (a GUID).") from exc
        sub = (
            AzureSubscription.objects.select_related("customer").filter(subscription_id=sid).first()
        )
        if sub is None:
            raise CommandError(
                f"Subscription {sid} is not in the portal; run sync_subscriptions first."
            )
        out = self.stdout.write
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
