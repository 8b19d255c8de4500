"""Customer charge statements: generating a month's drafts, issuing (freezing) and correcting.

See ``billing.services.charges`` for which charges and prices a statement holds. Issued statements
are immutable: every write here refuses them (``_refuse_issued``), the month's generation skips
customers whose statement is issued, and a correction is a new draft that references it.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date

from django.core.files.base import ContentFile
from django.db import connection, transaction
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


LINE_COLUMNS = [
    "statement_id", "position", "source", "invoice_number", "pc_order_id", "charge_date",
    "product_id", "sku_id", "description", "term", "quantity", "unit_price", "amount",
    "currency", "price_source", "rule",
]  # fmt: skip
BATCH = 50  # customers per transaction while generating a month


def _insert_lines(statement: CustomerStatement, lines: list[CustomerStatementLine]) -> None:
    """One multi-row ``INSERT`` (``executemany``) of the lines: a month has 100,000 and more, and
    building an ORM ``INSERT`` per row would cost more than pricing them."""
    if not lines:
        return
    qn = connection.ops.quote_name
    table = qn(CustomerStatementLine._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in LINE_COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(LINE_COLUMNS))})"
    )
    rows = [
        (statement.pk, ln.position, ln.source, ln.invoice_number, ln.pc_order_id, ln.charge_date,
         ln.product_id, ln.sku_id, ln.description, ln.term, ln.quantity, ln.unit_price, ln.amount,
         ln.currency, ln.price_source, ln.rule)
        for ln in lines
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _fill(statement: CustomerStatement, lines: list[CustomerStatementLine]) -> None:
    """Replace a draft's lines and totals (inside the caller's transaction)."""
    _refuse_issued(statement)
    CustomerStatementLine.objects.filter(statement=statement).delete()
    for line in lines:
        line.statement = statement
    _insert_lines(statement, lines)
    statement.totals = {c: str(v) for c, v in line_totals(lines).items()}
    statement.line_count = len(lines)
    statement.computed_count = sum(
        1 for line in lines if line.price_source == CustomerStatementLine.PriceSource.COMPUTED
    )
    statement.generated_at = timezone.now()
    statement.save()


def _number(customer: Customer, month: date) -> str:
    return f"S{month:%Y%m}-{customer.pk:06d}"


def _refresh_batch(
    *, month: date, batch: list[tuple[Customer, list[Charge]]], pricer: Pricer
) -> list[CustomerStatement]:
    """Rebuild the drafts of a batch of customers in one transaction: a customer's draft is
    rebuilt (created unless an issued statement stands; deleted when its charges are gone)."""
    priced = [(c, statement_lines(customer=c, charges=ch, pricer=pricer)) for c, ch in batch]
    out = []
    with transaction.atomic():
        # Locked, so an issue running meanwhile waits, and what it issues is not rebuilt.
        mine = list(
            CustomerStatement.objects.select_for_update()
            .filter(month=month, customer__in=[c for c, _lines in batch])
            .order_by("pk")
        )
        drafts = {s.customer_id: s for s in mine if not s.is_issued}
        issued = {s.customer_id for s in mine if s.is_issued}
        for customer, lines in priced:
            draft = drafts.get(customer.pk)
            if draft is None:
                if not lines or customer.pk in issued:
                    continue
                draft = CustomerStatement(
                    number=_number(customer, month),
                    customer=customer,
                    month=month,
                    generated_at=timezone.now(),
                )
                draft.save()
            elif not lines and draft.corrects_id is None:
                draft.delete()  # its charges are gone (e.g. an unbilled order was cancelled)
                continue
            _fill(draft, lines)
            out.append(draft)
    return out


def _portal_customers(tenants) -> dict[str, Customer]:
    ids = []
    for tenant in tenants:
        try:
            ids.append(uuid.UUID(tenant))
        except ValueError:
            continue  # a line without a customer id names no portal customer
    return {str(c.tenant_id).lower(): c for c in Customer.objects.filter(tenant_id__in=ids)}


def statement_generate_request(*, month: date, actor=None) -> bool:
    """ "Generate statements": queue the month's generation (the page follows its progress).
    Returns False when it runs already."""
    return sync_enqueue(
        kind=progress_kind(month), task=TASK, args=(month.isoformat(), actor_pk(actor))
    )


def statement_generate_month(*, month: date, actor=None) -> list[CustomerStatement]:
    """Build or rebuild every customer's draft statement of ``month``.

    Steps: read the month's charges and the recorded prices (no transaction open meanwhile);
    per batch of customers, in one transaction, rebuild their drafts (issued statements are left
    as they are); report progress per batch. Idempotent."""
    kind = progress_kind(month)
    sync_begin(
        kind=kind, message=_("Reading the charges of %(month)s") % {"month": f"{month:%Y-%m}"}
    )
    try:
        charges = month_charges(month=month)
        customers = _portal_customers(charges)
        # Drafts of customers without charges are rebuilt too (they may have to go).
        for draft in CustomerStatement.objects.filter(
            month=month, state=CustomerStatement.State.DRAFT
        ).select_related("customer"):
            customers.setdefault(str(draft.customer.tenant_id).lower(), draft.customer)
        pricer = Pricer.for_charges(charges)
        out = []
        ordered = sorted(customers.items(), key=lambda kv: (kv[1].company_name, kv[1].pk))
        sync_progress(kind=kind, done=0, total=len(ordered))
        for start in range(0, len(ordered), BATCH):
            batch = [(c, charges.get(t, [])) for t, c in ordered[start : start + BATCH]]
            out += _refresh_batch(month=month, batch=batch, pricer=pricer)
            sync_progress(kind=kind, done=start + len(batch), total=len(ordered))
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
