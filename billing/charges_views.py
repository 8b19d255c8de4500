"""Finance pages for what to bill customers: the current period's unbilled charges and the
customer charge statements (generate, issue, correct, download). Thin: parse, load, call one
service, render."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import selectors
from billing.models import CustomerStatement
from billing.services.charge_documents import CSV_COLUMNS, csv_rows, statement_pdf
from billing.services.charge_statements import (
    statement_correct,
    statement_generate_request,
    statement_issue,
)
from billing.services.charges import month_parse, progress_kind
from billing.services.unbilled import (
    month_start,
    unbilled_currencies,
    unbilled_import_start,
    unbilled_invoices,
)
from portal.shared.errors import PortalError
from portal.shared.progress import sync_state
from portal.shared.roles import Role, role_required
from portal.shared.tables import csv_response, paginate


@role_required(Role.FINANCE)
def unbilled(request):
    """Each currency's unbilled one-time lines of the month: the read's progress, the totals and
    the reconciliation counts."""
    rows = []
    for invoice in unbilled_invoices().select_related("recon_run")[:24]:
        imp = selectors.imports_for(invoice).get(("onetime", "billinglineitems"))
        rows.append(
            {
                "invoice": invoice,
                "import": imp,
                "state": sync_state(imp.progress_kind) if imp else None,
                "totals": selectors.invoice_line_totals(invoice),
                "recon": selectors.recon_summary_rows(getattr(invoice, "recon_run", None)),
            }
        )
    return render(
        request,
        "billing/charges/unbilled.html",
        {"rows": rows, "currencies": unbilled_currencies()},
    )


@role_required(Role.FINANCE)
@require_POST
def unbilled_read(request):
    """Queue the read of one currency's unbilled lines; the page follows its progress."""
    try:
        imp = unbilled_import_start(currency=request.POST.get("currency", ""), actor=request.user)
    except PortalError as exc:
        messages.error(request, str(exc))
    else:
        if imp.rows_done:
            messages.success(
                request,
                _("Reading the unbilled charges; resuming after %(rows)s lines.")
                % {"rows": f"{imp.rows_done:,}"},
            )
        else:
            messages.success(request, _("Reading the unbilled charges."))
    return redirect("billing:unbilled")


# -- customer charge statements -------------------------------------------------------------------


def _month(request) -> tuple[date, str]:
    """The month asked for (``?month=YYYY-MM``), else this month; with an error to show."""
    text = (request.GET.get("month") or request.POST.get("month") or "").strip()
    if not text:
        return month_start().date(), ""
    try:
        return month_parse(text), ""
    except PortalError as exc:
        return month_start().date(), str(exc)


@role_required(Role.FINANCE)
def statements(request):
    """The month's customer statements, the button that generates them and its progress."""
    month, error = _month(request)
    if error:
        messages.error(request, error)
    rows = (
        CustomerStatement.objects.filter(month=month)
        .select_related("customer", "corrects")
        .order_by("customer__company_name", "number")
    )
    page_obj = paginate(request.GET, rows)
    return render(
        request,
        "billing/charges/statements.html",
        {
            "month": month,
            "page_obj": page_obj,
            "state": sync_state(progress_kind(month)),
        },
    )


@role_required(Role.FINANCE)
@require_POST
def statements_generate(request):
    month, error = _month(request)
    if error:
        messages.error(request, error)
    elif statement_generate_request(month=month, actor=request.user):
        messages.success(
            request, _("Generating the statements of %(month)s.") % {"month": f"{month:%Y-%m}"}
        )
    else:
        messages.info(request, _("The statements of this month are being generated already."))
    return redirect(f"{reverse('billing:statements')}?month={month:%Y-%m}")


def _statement_or_404(pk: int) -> CustomerStatement:
    return get_object_or_404(
        CustomerStatement.objects.select_related("customer", "corrects", "issued_by"), pk=pk
    )


@role_required(Role.FINANCE)
def statement_detail(request, pk: int):
    statement = _statement_or_404(pk)
    return render(
        request,
        "billing/charges/statement_detail.html",
        {
            "statement": statement,
            "lines": statement.lines.order_by("position")[:2000],
            "totals": statement.totals_decimal(),
            "corrections": statement.corrections.order_by("number"),
        },
    )


@role_required(Role.FINANCE)
@require_POST
def statement_issue_view(request, pk: int):
    statement = _statement_or_404(pk)
    try:
        statement = statement_issue(statement=statement, actor=request.user)
    except PortalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Statement %(number)s issued.") % {"number": statement.number})
    return redirect("billing:statement", pk=statement.pk)


@role_required(Role.FINANCE)
@require_POST
def statement_correct_view(request, pk: int):
    statement = _statement_or_404(pk)
    try:
        draft = statement_correct(statement=statement, actor=request.user)
    except PortalError as exc:
        messages.error(request, str(exc))
        return redirect("billing:statement", pk=statement.pk)
    messages.success(
        request,
        _("Correction %(number)s created as a draft.") % {"number": draft.number},
    )
    return redirect("billing:statement", pk=draft.pk)


@role_required(Role.FINANCE)
def statement_pdf_view(request, pk: int):
    """An issued statement's stored PDF; a draft's rendered now (marked as a draft)."""
    statement = _statement_or_404(pk)
    if statement.is_issued and statement.pdf:
        return FileResponse(
            statement.pdf.open("rb"),
            as_attachment=True,
            filename=f"{statement.number}.pdf",
            content_type="application/pdf",
        )
    response = HttpResponse(statement_pdf(statement=statement), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{statement.number}-draft.pdf"'
    return response


@role_required(Role.FINANCE)
def statement_csv_view(request, pk: int):
    statement = _statement_or_404(pk)
    return csv_response(f"{statement.number}.csv", CSV_COLUMNS, csv_rows(statement))
