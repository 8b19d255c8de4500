"""Billing writes. Import the functions from their modules:

- ``billing.services.balances``: ``balance_refresh``
- ``billing.services.invoices``: ``invoice_sync_all``, ``invoice_refresh``
- ``billing.services.lines``: ``line_import_start``, ``line_import_run``
- ``billing.services.reconciliation``: ``reconciliation_run``, ``reconciliation_note_add``
- ``billing.services.statements``: ``statement_request``, ``statement_download_attempt``
- ``billing.services.reports``: ``reconciliation_pdf``
"""
