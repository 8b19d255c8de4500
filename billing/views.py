"""Finance pages: balance, invoices, line items, reconciliation, exports. Thin: parse, load,
call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from billing import exports, selectors
from billing.models import ReconciliationNote, ReconciliationResult, ReconClass, StatementPdf
from billing.services._common import TOLERANCE_MAX, TOLERANCE_MIN
from billing.services.balances import balance_refresh_request
from billing.services.invoice_lookup import invoice_fetch_enqueue, invoice_implied
from billing.services.invoices import invoice_sync_request
from billing.services.lines import line_import_start
from billing.services.reconciliation import (
    EXPECTED_MEANS,
    reconciliation_note_add,
    reconciliation_run,
)
from billing.services.reports import reconciliation_pdf
from billing.services.statements import statement_request
from portal.shared.errors import PortalError
from portal.shared.exports import export_csv, wants_csv
from portal.shared.htmx import render_page
from portal.shared.mirror import fetch_state
from portal.shared.mirror_views import FetchPage, fetch_page, fetch_status
from portal.shared.params import Params
from portal.shared.progress import sync_state
from portal.shared.redirects import redirect_next
from portal.shared.roles import Role, role_required
from portal.shared.tables import csv_response, paginate

FINANCE = (Role.FINANCE,)


def _invoice_or_404(invoice_id: str):
    invoice = selectors.get_invoice(invoice_id)
    if invoice is None:
        raise Http404(
            _("No invoice %(id)s in the portal; sync invoices first.") % {"id": invoice_id}
        )
    return invoice


@role_required(*FINANCE)
def index(request):
    """Finance dashboard: balance, summaries per currency, recent invoices."""
    recent = selectors.invoice_list({})[0]
    return render(
        request,
        "billing/index.html",
        {
            "balance": selectors.balance_latest(),
            "balances": selectors.balances_by_currency(),
            "summaries": selectors.summaries(),
            "recent": recent[:8],
            "balance_state": sync_state("billing:balances"),
            "invoices_state": sync_state("invoices"),
        },
    )


@role_required(*FINANCE)
@require_POST
def refresh(request):
    """Queue the balance refresh; the page shows its progress, then the new balance."""
    if not balance_refresh_request():
        messages.info(request, _("The balance is being refreshed already."))
    return redirect("billing:index")


@role_required(*FINANCE)
@require_POST
def sync(request):
    """Queue the invoice sync; the page shows its progress, then the invoices."""
    if not invoice_sync_request():
        messages.info(request, _("The invoices are being synced already."))
    return redirect_next(request, "billing:invoices")


@role_required(*FINANCE)
def invoices(request):
    qs, sort, errors = selectors.invoice_list(request.GET)
    if wants_csv(request) and not errors:
        return export_csv("invoices", exports.INVOICE_COLUMNS, qs.iterator(chunk_size=1000))
    context = {
        "page_obj": paginate(request.GET, qs),
        "sort": sort,
        "errors": errors,
        "currencies": selectors.invoice_currencies(),
        "state": sync_state("invoices"),
        "f": request.GET,
        "fetch_offer": selectors.unmirrored_invoice_id(request.GET.get("q", "")),
    }
    return render_page(request, "billing/invoices.html", context, part="table")


def _fetch_page_for(invoice_id: str) -> FetchPage:
    if not selectors.looks_like_invoice_id(invoice_id):
        raise Http404(_("%(value)s is not an invoice id.") % {"value": repr(invoice_id)})
    return FetchPage(
        what="invoice",
        object_id=invoice_id,
        back_url=reverse("billing:invoices"),
        back_label=_("Invoices"),
        status_url=reverse("billing:invoice_fetch_status", kwargs={"invoice_id": invoice_id}),
        retry_url=reverse("billing:invoice_fetch", kwargs={"invoice_id": invoice_id}),
    )


@role_required(*FINANCE)
@require_POST
def invoice_fetch(request, invoice_id: str):
    """Queue the read of an invoice the mirror does not hold (the "Fetch" buttons)."""
    _fetch_page_for(invoice_id)
    if selectors.get_invoice(invoice_id) is None:
        invoice_fetch_enqueue(invoice_id=invoice_id, actor=request.user, again=True)
    return redirect("billing:invoice", invoice_id=invoice_id)


@role_required(*FINANCE)
def invoice_fetch_status(request, invoice_id: str):
    """HTMX poll of a queued fetch: progress, then the invoice page, or the failure in words."""
    page = _fetch_page_for(invoice_id)
    invoice = selectors.get_invoice(invoice_id)
    done = (
        reverse("billing:invoice", kwargs={"invoice_id": invoice.invoice_id}) if invoice else None
    )
    return fetch_status(request, page, fetch_state("invoice", invoice_id), done)


@role_required(*FINANCE)
def invoice_detail(request, invoice_id: str):
    invoice = selectors.get_invoice(invoice_id)
    if invoice is None:
        # Not mirrored (yet): read it from Partner Center in the background and show progress.
        page = _fetch_page_for(invoice_id)
        state = invoice_fetch_enqueue(invoice_id=invoice_id, actor=request.user)
        return fetch_page(request, page, state)
    lines, sort, errors = selectors.invoice_lines(invoice, request.GET)
    for error in errors:
        messages.error(request, error)
    imports = selectors.imports_for(invoice)
    streams = [
        {
            "provider": d["provider"],
            "type": d["type"],
            "import": imports.get((d["provider"], d["type"])),
        }
        for d in (invoice.details or [{"provider": "onetime", "type": "billinglineitems"}])
    ]
    context = {
        "invoice": invoice,
        "page_obj": paginate(request.GET, lines),
        "sort": sort,
        "streams": streams,
        "line_state": sync_state(f"invoice_lines:{invoice.invoice_id}"),
        "totals": selectors.invoice_line_totals(invoice),
        "charge_types": selectors.charge_types(invoice),
        "statement": selectors.statement_for(invoice),
        "run": getattr(invoice, "recon_run", None),
        "implied": invoice_implied(invoice),
        "f": request.GET,
    }
    return render_page(request, "billing/invoice_detail.html", context, part="lines")


@role_required(*FINANCE)
def lines_csv(request, invoice_id: str):
    invoice = _invoice_or_404(invoice_id)
    lines = selectors.invoice_lines(invoice, request.GET)[0]
    fields = [
        "sequence",
        "provider",
        "line_item_type",
        "customer_tenant_id",
        "customer_name",
        "customer_domain",
        "order_id",
        "order_date",
        "product_id",
        "sku_id",
        "product_name",
        "sku_name",
        "charge_type",
        "quantity",
        "unit_price",
        "effective_unit_price",
        "subtotal",
        "tax_total",
        "total_for_customer",
        "currency",
        "subscription_id",
        "reservation_order_id",
        "charge_start",
        "charge_end",
    ]
    rows = lines.values_list(*fields).iterator(chunk_size=2000)
    return csv_response(f"{invoice.invoice_id}-line-items.csv", fields, rows)


@role_required(*FINANCE)
def line_detail(request, invoice_id: str, pk: int):
    invoice = _invoice_or_404(invoice_id)
    line = get_object_or_404(invoice.lines, pk=pk)
    result = (
        ReconciliationResult.objects.filter(line=line)
        .select_related("order", "order_line", "order__customer")
        .first()
    )
    return render(
        request,
        "billing/line_detail.html",
        {
            "invoice": invoice,
            "line": line,
            "result": result,
            "notes": selectors.line_notes(line),
            "note_statuses": ReconciliationNote.Status.choices,
        },
    )


@role_required(*FINANCE)
@require_POST
def start_import(request, invoice_id: str):
    invoice = _invoice_or_404(invoice_id)
    try:
        imp = line_import_start(
            invoice=invoice,
            provider=request.POST.get("provider") or "onetime",
            line_item_type=request.POST.get("type") or "billinglineitems",
            actor=request.user,
            restart=request.POST.get("restart") == "1",
        )
    except PortalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Line-item import queued; resuming after %(rows)s lines.")
            % {"rows": f"{imp.rows_done:,}"}
            if imp.rows_done
            else _("Line-item import queued."),
        )
    return redirect("billing:invoice", invoice_id=invoice.invoice_id)


@role_required(*FINANCE)
def statement(request, invoice_id: str):
    """Serve the stored statement PDF (finance only; never a public media URL)."""
    invoice = _invoice_or_404(invoice_id)
    pdf = selectors.statement_for(invoice)
    if pdf is None or pdf.state != StatementPdf.State.STORED or not pdf.file:
        messages.error(request, _("The statement PDF is not stored yet; fetch it first."))
        return redirect("billing:invoice", invoice_id=invoice.invoice_id)
    try:
        handle = pdf.file.open("rb")
    except FileNotFoundError:
        messages.error(request, _("The stored statement file is missing; fetch it again."))
        return redirect("billing:invoice", invoice_id=invoice.invoice_id)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"Invoice_{invoice.invoice_id}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-SHA256"] = pdf.sha256
    return response


@role_required(*FINANCE)
@require_POST
def statement_fetch(request, invoice_id: str):
    invoice = _invoice_or_404(invoice_id)
    statement_request(invoice=invoice, actor=request.user)
    messages.success(
        request, _("Downloading the statement PDF of %(id)s.") % {"id": invoice.invoice_id}
    )
    return redirect("billing:invoice", invoice_id=invoice.invoice_id)


@role_required(*FINANCE)
def statement_status(request, invoice_id: str):
    """HTMX partial: the statement PDF box (polls while downloading)."""
    invoice = _invoice_or_404(invoice_id)
    return render(
        request,
        "billing/_statement.html",
        {"invoice": invoice, "statement": selectors.statement_for(invoice)},
    )


@role_required(*FINANCE)
def reconciliation(request):
    """Overview: every one-time invoice with its last reconciliation counts."""
    params = request.GET.copy()
    params.setdefault("type", "onetime")
    qs, sort, errors = selectors.invoice_list(params)
    if wants_csv(request) and not errors:
        rows = exports.reconciliation_rows(qs.iterator(chunk_size=1000))
        return export_csv("reconciliation", exports.RECONCILIATION_COLUMNS, rows)
    page_obj = paginate(request.GET, qs)
    rows = list(exports.reconciliation_rows(page_obj))
    return render(
        request,
        "billing/reconciliation_overview.html",
        {"rows": rows, "page_obj": page_obj, "sort": sort, "errors": errors, "f": request.GET},
    )


@role_required(*FINANCE)
def invoice_reconciliation(request, invoice_id: str):
    invoice = selectors.get_invoice(invoice_id)
    if invoice is None:
        return redirect("billing:invoice", invoice_id=invoice_id)  # which reads it by id
    run = getattr(invoice, "recon_run", None)
    params = Params(request.GET)
    klass = params.choice("klass", {*ReconClass.values, "mismatch"})
    results = selectors.recon_results(
        invoice, klass=klass, q=params.text("q", label=_("Search")), sort_params=request.GET
    )
    for error in params.errors:
        messages.error(request, error)
    context = {
        "invoice": invoice,
        "run": run,
        "summary": selectors.recon_summary_rows(run),
        "counts": selectors.recon_counts(run),
        "page_obj": paginate(request.GET, results),
        "klass": klass,
        "classes": ReconClass.choices,
        "expected_means": EXPECTED_MEANS,
        "note_statuses": ReconciliationNote.Status.choices,
        "has_lines": invoice.lines.exists(),
        "f": request.GET,
    }
    return render_page(request, "billing/reconciliation.html", context, part="results")


@role_required(*FINANCE)
@require_POST
def reconcile(request, invoice_id: str):
    invoice = _invoice_or_404(invoice_id)
    params = Params(request.POST)
    tolerance = params.decimal(
        "tolerance", label=_("Tolerance"), minimum=TOLERANCE_MIN, maximum=TOLERANCE_MAX
    )
    if params.errors:
        messages.error(request, params.errors[0])
        return redirect("billing:invoice_reconciliation", invoice_id=invoice.invoice_id)
    try:
        run = reconciliation_run(invoice=invoice, actor=request.user, tolerance=tolerance)
    except PortalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Reconciled %(lines)s against %(orders)s.")
            % {
                "lines": ngettext("%(n)s line", "%(n)s lines", run.lines_checked)
                % {"n": f"{run.lines_checked:,}"},
                "orders": ngettext("%(n)d portal order", "%(n)d portal orders", run.orders_checked)
                % {"n": run.orders_checked},
            },
        )
    return redirect("billing:invoice_reconciliation", invoice_id=invoice.invoice_id)


@role_required(*FINANCE)
@require_POST
def recon_note(request, invoice_id: str, pk: int):
    invoice = _invoice_or_404(invoice_id)
    result = get_object_or_404(ReconciliationResult, invoice=invoice, pk=pk)
    params = Params(request.POST)
    text = params.text("text", label=_("The note"), max_length=2000)
    try:
        if params.errors:
            raise PortalError(params.errors[0], code="bad_note")
        reconciliation_note_add(
            result=result,
            status=params.text("status", label=_("Status"), max_length=20) or "note",
            text=text,
            actor=request.user,
        )
    except PortalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Note saved."))
    return redirect_next(request, "billing:invoice_reconciliation", invoice_id=invoice.invoice_id)


@role_required(*FINANCE)
def recon_csv(request, invoice_id: str):
    invoice = _invoice_or_404(invoice_id)
    klass = Params(request.GET).choice("klass", {*ReconClass.values, "mismatch"})
    results = selectors.recon_results(invoice, klass=klass)
    header = [
        "class",
        "pc_order_id",
        "customer",
        "product_id",
        "sku_id",
        "description",
        "currency",
        "expected_quantity",
        "billed_quantity",
        "expected_amount",
        "billed_amount",
        "difference",
        "reason",
        "line_sequence",
        "note_status",
    ]

    def rows():
        for r in results.iterator(chunk_size=2000):
            yield [
                r.klass,
                r.pc_order_id,
                r.customer_name,
                r.product_id,
                r.sku_id,
                r.description,
                r.currency,
                r.expected_quantity,
                r.billed_quantity,
                r.expected_amount,
                r.billed_amount,
                r.difference,
                r.reason,
                r.line.sequence if r.line_id else "",
                r.note_status or "",
            ]

    return csv_response(f"{invoice.invoice_id}-reconciliation.csv", header, rows())


@role_required(*FINANCE)
def recon_pdf(request, invoice_id: str):
    invoice = _invoice_or_404(invoice_id)
    if getattr(invoice, "recon_run", None) is None:
        messages.error(request, _("Run the reconciliation before downloading its report."))
        return redirect("billing:invoice_reconciliation", invoice_id=invoice.invoice_id)
    pdf = reconciliation_pdf(invoice=invoice, user=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{invoice.invoice_id}-reconciliation.pdf"'
    )
    return response
