"""Line-item import: Partner Center's continuation pages streamed straight into the database.

Each page is written in its own transaction together with the ``LineImport`` resume point (the
page's continuation token), so a crash loses at most the page in flight and the next run resumes
right after the last committed page. Rows go in with one multi-row ``INSERT ... ON CONFLICT DO
NOTHING`` per page on the line's natural key (invoice, provider, type, sequence): a re-import skips
what it already has and never duplicates (PostgreSQL: ``COPY`` into a staging table, then the same
``INSERT ... SELECT ... ON CONFLICT DO NOTHING``). Only a couple of pages are held in memory.

Rows come from one of two paths that produce the same rows: ``line_rows`` (the plain reference:
the client's models) or, by default, ``line_rows_fast`` (the fenced speed path: raw JSON, a
generated row adapter and a bounded prefetch thread).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from itertools import chain

from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import UNBILLED, Invoice, InvoiceLineItem, LineImport
from billing.services import line_rows, line_rows_fast
from billing.services._common import norm_line_type, norm_provider
from billing.services.line_rows import ALL_COLUMNS, KEY_COLUMNS
from partnercenter.errors import PartnerCenterError
from portal.partner_center.client import get_client
from portal.shared.audit import audit_record
from portal.shared.errors import PortalError, pc_error
from portal.shared.progress import sync_begin, sync_fail, sync_progress, sync_succeed
from portal.shared.queue import enqueue_on_commit

logger = logging.getLogger(__name__)


def stale_after() -> timedelta:
    return timedelta(seconds=settings.BILLING_IMPORT_STALE_SECONDS)


def page_size_default() -> int:
    return int(settings.BILLING_IMPORT_PAGE_SIZE)


# --- raw bulk insert ----------------------------------------------------------------------------


def insert_sql(rows: int = 1, *, placeholder: str = "%s") -> str:
    """``INSERT ... ON CONFLICT DO NOTHING`` of ``rows`` rows on the line's natural key."""
    table = connection.ops.quote_name(InvoiceLineItem._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in ALL_COLUMNS)
    one = "(" + ", ".join([placeholder] * len(ALL_COLUMNS)) + ")"
    keys = ", ".join(connection.ops.quote_name(c) for c in KEY_COLUMNS)
    values = ", ".join([one] * rows)
    return f"INSERT INTO {table} ({cols}) VALUES {values} ON CONFLICT ({keys}) DO NOTHING"


# SQLite: rows per INSERT statement. SQLite runs a statement with Python's lock released, so the
# longer a statement the more of the next page the import's helper thread converts meanwhile;
# 100 rows (3,200 parameters) stays far below SQLite's limit of 32,766.
SQLITE_ROWS_PER_STATEMENT = 100


@functools.cache
def _sqlite_insert(rows: int) -> str:
    return insert_sql(rows, placeholder="?")  # the driver's own placeholders: used as it is


STAGE_TABLE = "billing_line_stage"


def _copy_rows(rows: list[tuple]) -> int:
    """PostgreSQL: ``COPY`` the rows into a session-local staging table, then one
    ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` (COPY itself cannot skip duplicates)."""
    qn = connection.ops.quote_name
    table = qn(InvoiceLineItem._meta.db_table)
    cols = ", ".join(qn(c) for c in ALL_COLUMNS)
    keys = ", ".join(qn(c) for c in KEY_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGE_TABLE} ON COMMIT DELETE ROWS AS "
            f"SELECT {cols} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {STAGE_TABLE}")
        with cursor.cursor.copy(f"COPY {STAGE_TABLE} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {STAGE_TABLE} "
            f"ON CONFLICT ({keys}) DO NOTHING"
        )
        return max(cursor.rowcount, 0)


def insert_rows(rows: list[tuple]) -> int:
    """Insert prepared rows (tuples in ``ALL_COLUMNS`` order, already fitted to their columns:
    ``line_rows.fit_page``); returns how many were new.

    Must run inside a transaction. PostgreSQL goes through ``COPY`` (its fastest bulk path);
    SQLite through ``INSERT ... ON CONFLICT DO NOTHING`` statements of
    ``SQLITE_ROWS_PER_STATEMENT`` rows on the driver's connection, their SQL made once per size
    (Django's cursor would convert a 3,200-placeholder text on every call)."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        return _copy_rows(rows)
    connection.ensure_connection()
    driver, step, inserted = connection.connection, SQLITE_ROWS_PER_STATEMENT, 0
    for start in range(0, len(rows), step):
        part = rows[start : start + step]
        cursor = driver.execute(_sqlite_insert(len(part)), list(chain.from_iterable(part)))
        inserted += max(cursor.rowcount, 0)
    return inserted


# --- the import ---------------------------------------------------------------------------------


LINE_PROVIDERS = frozenset({"onetime", "office", "azure"})
LINE_TYPES = frozenset({"billinglineitems", "usagelineitems"})


def line_import_start(
    *,
    invoice: Invoice,
    provider: str = "onetime",
    line_item_type: str = "billinglineitems",
    actor=None,
    restart: bool = False,
    queue: bool = True,
) -> LineImport:
    """Create (or reuse) the import of one line stream and queue it.

    ``restart`` starts again from the first page (rows already stored are skipped, not
    duplicated); otherwise a failed or interrupted import resumes from its last committed page.
    Raises ``PortalError`` when the import is already running or the stream is not one Partner
    Center has (provider ``onetime``/``office``/``azure``, type ``billinglineitems``/``usagelineitems``).
    """
    provider, line_item_type = norm_provider(provider), norm_line_type(line_item_type)
    if provider not in LINE_PROVIDERS or line_item_type not in LINE_TYPES:
        raise PortalError(
            _(
                "Choose a line-item stream Partner Center has: provider onetime, office or azure, "
                "and type billinglineitems or usagelineitems."
            ),
            code="invalid_stream",
        )
    with transaction.atomic():
        imp, _created = LineImport.objects.select_for_update().get_or_create(
            invoice=invoice, provider=provider, line_item_type=line_item_type
        )
        fresh = imp.heartbeat_at and imp.heartbeat_at > timezone.now() - stale_after()
        if imp.state == LineImport.State.RUNNING and fresh:
            raise PortalError(
                _("The import of %(invoice)s is already running (%(rows)s lines so far).")
                % {"invoice": invoice.invoice_id, "rows": f"{imp.rows_done:,}"},
                code="import_running",
            )
        if restart or imp.state == LineImport.State.SUCCEEDED:
            imp.continuation_token, imp.pages_done, imp.rows_done, imp.rows_inserted = "", 0, 0, 0
        imp.state = LineImport.State.QUEUED
        imp.requested_by = actor
        imp.last_error = ""
        imp.finished_at = None
        imp.save()
        audit_record(
            actor=actor,
            action="billing.lines_import_requested",
            obj=imp,
            summary=f"Line-item import of {invoice.invoice_id} ({provider}/{line_item_type})",
            resume_from_row=imp.rows_done,
        )
        # The page shows the progress bar (and follows it) from the moment the import is queued.
        sync_begin(kind=imp.progress_kind, message=_("Queued"))
        if queue:
            enqueue_on_commit("billing.tasks.import_invoice_lines", imp.pk)
    return imp


def _claim(import_id: int, *, force: bool) -> bool:
    """Conditional UPDATE: only one runner at a time; a stale 'running' (crashed) can be taken."""
    now = timezone.now()
    claimable = Q(state__in=[LineImport.State.QUEUED, LineImport.State.FAILED]) | Q(
        state=LineImport.State.RUNNING, heartbeat_at__lt=now - stale_after()
    )
    if force:
        claimable |= Q(state=LineImport.State.RUNNING)
    return bool(
        LineImport.objects.filter(claimable, pk=import_id).update(
            state=LineImport.State.RUNNING, started_at=now, heartbeat_at=now, last_error=""
        )
    )


def line_import_run(
    *,
    import_id: int,
    client=None,
    page_size: int | None = None,
    force: bool = False,
    on_page: Callable[[LineImport], None] | None = None,
    fast: bool = True,
) -> LineImport:
    """Run (or resume) an import until Partner Center has no next page.

    Steps: claim the row; ask for pages starting at the stored continuation token; per page, in
    one transaction, insert its rows and store the page's token and counters; report progress.
    ``on_page`` is called after each committed page (progress output, tests that crash mid-way).
    ``fast=False`` takes the plain reference path (``line_rows``) instead of ``line_rows_fast``.
    Raises ``PortalError`` if the import cannot be claimed or Partner Center fails (the import is
    then ``failed`` with the reason and resumes from its last committed page next time).
    """
    imp = _claimed(import_id, force=force)
    if imp.state == LineImport.State.SUCCEEDED:
        return imp
    invoice = imp.invoice
    sync_begin(
        kind=imp.progress_kind,
        message=_("Importing %(invoice)s line items") % {"invoice": invoice.invoice_id},
    )
    sync_progress(kind=imp.progress_kind, done=imp.rows_done)
    client = client or get_client()
    pages = _pages(client, imp, page_size or page_size_default(), raw=fast)
    _fetch_app_token(client, imp)
    if imp.pages_done and not imp.continuation_token:
        # The last page was committed before the crash; only the final state update was lost.
        return _succeed(imp, imp.rows_done)
    try:
        _import_pages(imp, pages, fast=fast, on_page=on_page)
    except PartnerCenterError as exc:
        err = pc_error(exc, doing=_importing(invoice))
        _fail(imp, str(err))
        raise err from exc
    except Exception as exc:
        _fail(imp, _("The import stopped unexpectedly: %(error)s") % {"error": exc})
        raise
    return _succeed(imp, imp.rows_done)


def _claimed(import_id: int, *, force: bool) -> LineImport:
    """The import, claimed for this runner; an already succeeded one is returned as it is."""
    claimed = _claim(import_id, force=force)
    imp = LineImport.objects.select_related("invoice").get(pk=import_id)
    if claimed or imp.state == LineImport.State.SUCCEEDED:
        return imp
    raise PortalError(
        _("The import of %(invoice)s is already running; wait for it to finish.")
        % {"invoice": imp.invoice.invoice_id},
        code="import_running",
    )


def _fetch_app_token(client, imp: LineImport) -> None:
    """Get the token here, in the thread that owns the DB connection: the prefetch thread then
    finds it in the client's token cache and never reads the database."""
    try:
        client.auth.app_token()
    except PartnerCenterError as exc:
        err = pc_error(exc, doing=_importing(imp.invoice))
        _fail(imp, str(err))
        raise err from exc


def _import_pages(
    imp: LineImport, pages, *, fast: bool, on_page: Callable[[LineImport], None] | None
) -> None:
    """Write page after page, each in one transaction with its token and counters; ``imp``
    follows the committed counters."""
    path = line_rows_fast if fast else line_rows
    for rows, token in path.row_pages(
        pages,
        invoice_pk=imp.invoice.pk,
        provider=imp.provider,
        line_type=imp.line_item_type,
        first_sequence=imp.rows_done,
    ):
        with transaction.atomic():
            inserted = insert_rows(rows) if rows else 0
            LineImport.objects.filter(pk=imp.pk).update(
                continuation_token=token or "",
                pages_done=F("pages_done") + 1,
                rows_done=F("rows_done") + len(rows),
                rows_inserted=F("rows_inserted") + inserted,
                heartbeat_at=timezone.now(),
            )
        imp.rows_done, imp.pages_done = imp.rows_done + len(rows), imp.pages_done + 1
        imp.rows_inserted += inserted
        imp.continuation_token = token or ""
        sync_progress(kind=imp.progress_kind, done=imp.rows_done)
        reset_queries()  # with DEBUG on, Django would keep every page's SQL in memory
        if on_page:
            on_page(imp)


def _importing(invoice: Invoice) -> str:
    return _("importing the line items of %(invoice)s") % {"invoice": invoice.invoice_id}


def _pages(client, imp: LineImport, page_size: int, *, raw: bool):
    """The stream's pages from the stored continuation token (``raw``: JSON objects for the fast
    path, else the client's models). The unbilled lines of a currency
    (``billing.services.unbilled``) come from the reconciliation form with ``period=current``."""
    invoice = imp.invoice
    if invoice.invoice_type == UNBILLED:
        return client.iter_unbilled_line_item_pages(
            currency=invoice.currency,
            period="current",
            page_size=page_size,
            continuation_token=imp.continuation_token or None,
            raw=raw,
        )
    return client.iter_invoice_line_item_pages(
        invoice.invoice_id,
        provider=imp.provider,
        line_item_type=imp.line_item_type,
        page_size=page_size,
        continuation_token=imp.continuation_token or None,
        raw=raw,
    )


def _succeed(imp: LineImport, rows: int) -> LineImport:
    now = timezone.now()
    LineImport.objects.filter(pk=imp.pk).update(
        state=LineImport.State.SUCCEEDED, finished_at=now, heartbeat_at=now
    )
    sync_succeed(kind=imp.progress_kind, message=f"{rows:,} line items imported")
    imp.refresh_from_db()
    return imp


def _fail(imp: LineImport, message: str) -> None:
    LineImport.objects.filter(pk=imp.pk).update(
        state=LineImport.State.FAILED, last_error=message, heartbeat_at=timezone.now()
    )
    sync_fail(kind=imp.progress_kind, error=message)
