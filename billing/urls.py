from django.urls import path

from billing import charges_views, margin_views, panel_views, views

app_name = "billing"
inv = "invoices/<str:invoice_id>/"
urlpatterns = [
    path("", views.index, name="index"),
    path("refresh/", views.refresh, name="refresh"),
    path("dashboard/spend-<str:currency>.csv", panel_views.spend_csv, name="spend_csv"),
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/sync/", views.sync, name="sync"),
    path(inv, views.invoice_detail, name="invoice"),
    path(inv + "fetch/", views.invoice_fetch, name="invoice_fetch"),
    path(inv + "fetch/status/", views.invoice_fetch_status, name="invoice_fetch_status"),
    path(inv + "lines.csv", views.lines_csv, name="lines_csv"),
    path(inv + "lines/<int:pk>/", views.line_detail, name="line"),
    path(inv + "import/", views.start_import, name="import"),
    path(inv + "statement/", views.statement, name="statement"),
    path(inv + "statement/fetch/", views.statement_fetch, name="statement_fetch"),
    path(inv + "statement/status/", views.statement_status, name="statement_status"),
    path(inv + "reconciliation/", views.invoice_reconciliation, name="invoice_reconciliation"),
    path(inv + "reconciliation/run/", views.reconcile, name="reconcile"),
    path(inv + "reconciliation.csv", views.recon_csv, name="recon_csv"),
    path(inv + "reconciliation.pdf", views.recon_pdf, name="recon_pdf"),
    path(inv + "reconciliation/<int:pk>/note/", views.recon_note, name="recon_note"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("margins/", margin_views.margins, name="margins"),
    path("unbilled/", charges_views.unbilled, name="unbilled"),
    path("unbilled/read/", charges_views.unbilled_read, name="unbilled_read"),
    path("statements/", charges_views.statements, name="statements"),
    path("statements/generate/", charges_views.statements_generate, name="statements_generate"),
    path("statements/<int:pk>/", charges_views.statement_detail, name="statement"),
    path("statements/<int:pk>/issue/", charges_views.statement_issue_view, name="statement_issue"),
    path(
        "statements/<int:pk>/correct/",
        charges_views.statement_correct_view,
        name="statement_correct",
    ),
    path(
        "statements/<int:pk>/statement.pdf", charges_views.statement_pdf_view, name="statement_pdf"
    ),
    path(
        "statements/<int:pk>/statement.csv", charges_views.statement_csv_view, name="statement_csv"
    ),
]
