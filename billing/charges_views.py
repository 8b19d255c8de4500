"""Finance pages for what to bill customers: the current period's unbilled charges. Thin: parse,
load, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import selectors
from billing.services.unbilled import unbilled_currencies, unbilled_import_start, unbilled_invoices
from portal.shared.errors import PortalError
from portal.shared.progress import sync_state
from portal.shared.roles import Role, role_required


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
