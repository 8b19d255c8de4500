"""Customer charge statements: generating a month's drafts, issuing (freezing) and correcting.

See ``billing.services.charges`` for which charges and prices a statement holds. Issued statements
are immutable: every write here refuses them (``_refuse_issued``), the month's generation skips
customers whose statement is issued, and a correction is a new draft that references it.
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import CustomerStatement, CustomerStatementLine
from billing.services.charge_documents import reseller_details, statement_pdf
from billing.services.charges import (
    Charge,
    Pricer,
    line_totals,
    month_charges,
    progress_kind,
    statement_lines,
)
from portal.models import Customer
from portal.shared.audit import audit_record
from portal.shared.errors import PortalError
from portal.shared.progress import sync_begin, sync_enqueue, sync_fail, sync_progress, sync_succeed
from portal.shared.queue import actor_pk

TASK = "billing.tasks.generate_statements"


def _refuse_issued(statement: CustomerStatement) -> None:
    if statement.is_issued:
        raise PortalError(
            _("Statement %(number)s is issued and cannot change; correct it instead.")
            % {"number": statement.number},
            code="statement_issued",
        )


def _fill(statement: CustomerStatement, lines: list[CustomerStatementLine]) -> None:
    """Replace a draft's lines and totals (inside the caller's transaction)."""
    _refuse_issued(statement)
    statement.lines.all().delete()
    for line in lines:
        line.statement = statement
    CustomerStatementLine.objects.bulk_create(lines, batch_size=1000)
    statement.totals = {c: str(v) for c, v in line_totals(lines).items()}
    statement.line_count = len(lines)
    statement.computed_count = sum(
        1 for line in lines if line.price_source == CustomerStatementLine.PriceSource.COMPUTED
    )
    statement.generated_at = timezone.now()
    statement.save()


def _number(customer: Customer, month: date) -> str:
    return f"S{month:%Y%m}-{customer.pk:06d}"


def _refresh_customer(
    *, customer: Customer, month: date, charges: list[Charge], pricer: Pricer
) -> CustomerStatement | None:
    """Rebuild the customer's draft of the month (creating it unless an issued statement
    stands); None when there is nothing to (re)build."""
    lines = statement_lines(customer=customer, charges=charges, pricer=pricer)
    with transaction.atomic():
        mine = CustomerStatement.objects.select_for_update().filter(customer=customer, month=month)
        draft = mine.filter(state=CustomerStatement.State.DRAFT).first()
        if draft is None:
            if not lines or mine.filter(state=CustomerStatement.State.ISSUED).exists():
                return None
            draft = CustomerStatement(
                number=_number(customer, month),
                customer=customer,
                month=month,
                generated_at=timezone.now(),
            )
            draft.save()
        elif not lines and draft.corrects_id is None:
            draft.delete()  # its charges are gone (e.g. an unbilled order was cancelled)
            return None
        _fill(draft, lines)
    return draft


def statement_generate_request(*, month: date, actor=None) -> bool:
    """ "Generate statements": queue the month's generation (the page follows its progress).
    Returns False when it runs already."""
    return sync_enqueue(
        kind=progress_kind(month), task=TASK, args=(month.isoformat(), actor_pk(actor))
    )


def statement_generate_month(*, month: date, actor=None) -> list[CustomerStatement]:
    """Build or rebuild every customer's draft statement of ``month``.

    Steps: read the month's charges and the recorded prices (no transaction open meanwhile);
    per customer with charges, in its own transaction, rebuild its draft (issued statements are
    left as they are); report progress per customer. Idempotent."""
    kind = progress_kind(month)
    sync_begin(
        kind=kind, message=_("Reading the charges of %(month)s") % {"month": f"{month:%Y-%m}"}
    )
    try:
        charges = month_charges(month=month)
        customers = {
            str(c.tenant_id).lower(): c
            for c in Customer.objects.filter(tenant_id__in=list(charges))
        }
        # Drafts of customers without charges are rebuilt too (they may have to go).
        for draft in CustomerStatement.objects.filter(
            month=month, state=CustomerStatement.State.DRAFT
        ).select_related("customer"):
            customers.setdefault(str(draft.customer.tenant_id).lower(), draft.customer)
        pricer = Pricer.for_charges(charges)
        out = []
        ordered = sorted(customers.items(), key=lambda kv: (kv[1].company_name, kv[1].pk))
        sync_progress(kind=kind, done=0, total=len(ordered))
        for done, (tenant, customer) in enumerate(ordered, 1):
            statement = _refresh_customer(
                customer=customer, month=month, charges=charges.get(tenant, []), pricer=pricer
            )
            if statement is not None:
                out.append(statement)
            if done % 10 == 0 or done == len(ordered):
                sync_progress(kind=kind, done=done, total=len(ordered))
    except Exception as exc:
        sync_fail(kind=kind, error=str(exc))
        raise
    audit_record(
        actor=actor,
        action="billing.statements_generated",
        summary=f"Customer statements of {month:%Y-%m}: {len(out)} drafts",
        month=f"{month:%Y-%m}",
        drafts=len(out),
    )
    sync_succeed(
        kind=kind,
        message=_("%(count)s draft statements for %(month)s")
        % {"count": len(out), "month": f"{month:%Y-%m}"},
    )
    return out


def statement_issue(*, statement: CustomerStatement, actor) -> CustomerStatement:
    """Freeze a draft: the reseller's details and the PDF are stored with it, and nothing about
    it changes afterwards. Raises ``PortalError`` when it is issued already."""
    with transaction.atomic():
        statement = CustomerStatement.objects.select_for_update().get(pk=statement.pk)
        _refuse_issued(statement)
        statement.reseller = reseller_details()
        statement.state = CustomerStatement.State.ISSUED
        statement.issued_at = timezone.now()
        statement.issued_by = actor if getattr(actor, "is_authenticated", False) else None
        pdf = statement_pdf(statement=statement)
        statement.pdf.save(f"{statement.number}.pdf", ContentFile(pdf), save=False)
        statement.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        statement.save()
        audit_record(
            actor=actor,
            action="billing.statement_issued",
            obj=statement,
            customer=statement.customer,
            summary=f"Statement {statement.number} issued",
            totals=statement.totals,
        )
    return statement


def statement_correct(*, statement: CustomerStatement, actor) -> CustomerStatement:
    """A correction of an issued statement: a new draft of the same customer and month that
    references it, built from the charges as they are now. Raises ``PortalError`` for a draft or
    when the month already has an open draft."""
    if not statement.is_issued:
        raise PortalError(
            _("Only an issued statement can be corrected; a draft is regenerated instead."),
            code="statement_draft",
        )
    month, customer = statement.month, statement.customer
    charges = month_charges(month=month).get(str(customer.tenant_id).lower(), [])
    pricer = Pricer.for_charges({str(customer.tenant_id).lower(): charges})
    lines = statement_lines(customer=customer, charges=charges, pricer=pricer)
    with transaction.atomic():
        if CustomerStatement.objects.filter(
            customer=customer, month=month, state=CustomerStatement.State.DRAFT
        ).exists():
            raise PortalError(
                _("This month already has a draft statement for the customer; issue it first."),
                code="statement_open_draft",
            )
        n = CustomerStatement.objects.filter(customer=customer, month=month).count()
        draft = CustomerStatement(
            number=f"{_number(customer, month)}-C{n}",
            customer=customer,
            month=month,
            corrects=statement,
            generated_at=timezone.now(),
        )
        draft.save()
        _fill(draft, lines)
        audit_record(
            actor=actor,
            action="billing.statement_correction_started",
            obj=draft,
            customer=customer,
            summary=f"Correction {draft.number} of {statement.number}",
        )
    return draft
