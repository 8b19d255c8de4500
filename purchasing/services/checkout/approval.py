"""Approval of a checkout that met an approval rule: a finance or admin user decides."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.shared.errors import NotAllowed, PortalError
from portal.shared.roles import Role, has_role
from purchasing.models import Approval
from purchasing.services.checkout.submit import checkout_execute, checkout_queue
from purchasing.services.checkout.transitions import State, checkout_transition
from purchasing.services.notifications import notification_create


def approval_decide(
    *, approval_id: int, user, approve: bool, comment: str = "", queue: bool = False
) -> Approval:
    """A finance or admin user approves (and the checkout is placed, by a worker with ``queue``)
    or rejects."""
    if not has_role(user, Role.FINANCE, Role.ADMIN):
        raise NotAllowed(_("Only finance or admin users can approve purchases."))
    with transaction.atomic():
        approval = (
            Approval.objects.select_for_update()
            .select_related("checkout__customer")
            .get(pk=approval_id)
        )
        if approval.state != Approval.State.PENDING:
            raise PortalError(_("This approval has already been decided."), code="decided")
        if approval.requested_by_id == user.pk and not user.is_superuser:
            raise NotAllowed(_("You cannot approve your own purchase."))
        checkout = approval.checkout
        approval.state = Approval.State.APPROVED if approve else Approval.State.REJECTED
        approval.decided_by = user
        approval.decided_at = timezone.now()
        approval.comment = comment[:2000]
        approval.save()
        verb = "approved" if approve else "rejected"
        checkout_transition(
            checkout,
            to=State.DRAFT if approve else State.REJECTED,
            from_states=[State.AWAITING_APPROVAL],
            action=f"checkout.{verb}",
            actor=user,
            summary=f"Purchase for {checkout.customer.company_name} {verb}",
            audit={
                "comment": comment,
                "estimated_total": checkout.estimated_total,
                "currency": checkout.currency,
            },
        )
        if approval.requested_by_id:
            notification_create(
                recipient_id=approval.requested_by_id,
                url=f"/cart/{checkout.customer_id}/review/",
                message=lambda: _approval_note(
                    approver=user.get_username(),
                    customer=checkout.customer.company_name,
                    approve=approve,
                    comment=comment,
                ),
            )
    if approve and queue:
        checkout_queue(checkout_id=approval.checkout_id)
    elif approve:
        checkout_execute(checkout_id=approval.checkout_id)
    return approval


def _approval_note(*, approver: str, customer: str, approve: bool, comment: str) -> str:
    values = {"user": approver, "customer": customer, "comment": comment}
    if approve and comment:
        return _("%(user)s approved your purchase for %(customer)s: %(comment)s") % values
    if approve:
        return _("%(user)s approved your purchase for %(customer)s.") % values
    if comment:
        return _("%(user)s rejected your purchase for %(customer)s: %(comment)s") % values
    return _("%(user)s rejected your purchase for %(customer)s.") % values
