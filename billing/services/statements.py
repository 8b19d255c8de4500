"""Invoice statement PDFs: downloaded by a task (with retries), kept in Django storage.

The file lives under ``MEDIA_ROOT`` (default storage) but is only ever served through the
finance-only ``billing:statement`` view, never by a public media URL.
"""

from __future__ import annotations

import hashlib
import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Invoice, StatementPdf
from partnercenter.errors import (
    AuthenticationError,
    NotFound,
    PartnerCenterError,
    PermissionDenied,
    ValidationError,
)
from portal.partner_center.client import get_client
from portal.shared.audit import audit_record
from portal.shared.errors import PortalError, pc_error_message
from portal.shared.queue import enqueue_on_commit


class StatementTransientError(PortalError):
    """Worth another try later (timeouts, 5xx, throttling, a truncated download)."""

    code = "statement_retry"


class StatementPermanentError(PortalError):
    """No retry will help (no such invoice, no partner sign-in, not a PDF)."""

    code = "statement_failed"


def _downloading(invoice_id: str) -> str:
    return _("downloading the statement of %(invoice)s") % {"invoice": invoice_id}


def max_attempts() -> int:
    return int(settings.BILLING_STATEMENT_MAX_ATTEMPTS)


def retry_delay(attempt: int) -> float:
    """Exponential backoff: base, 2x base, 4x base ... capped."""
    base = float(settings.BILLING_STATEMENT_RETRY_BASE_SECONDS)
    cap = float(settings.BILLING_STATEMENT_RETRY_MAX_SECONDS)
    return min(cap, base * (2 ** max(0, attempt - 1)))


def statement_request(*, invoice: Invoice, actor=None, queue: bool = True) -> StatementPdf:
    """Ask for (a fresh copy of) the statement PDF; the download runs in a task after commit."""
    with transaction.atomic():
        statement, created = StatementPdf.objects.select_for_update().get_or_create(
            invoice=invoice, defaults={"requested_at": timezone.now(), "requested_by": actor}
        )
        if not created and statement.state in (
            StatementPdf.State.DOWNLOADING,
            StatementPdf.State.RETRYING,
            StatementPdf.State.QUEUED,
        ):
            return statement  # already on its way
        if not created:
            statement.state = StatementPdf.State.QUEUED
            statement.attempts = 0
            statement.last_error = ""
            statement.requested_at = timezone.now()
            statement.requested_by = actor
            statement.next_attempt_at = None
            statement.save()
        if actor is not None:
            audit_record(
                actor=actor,
                action="billing.statement_requested",
                obj=statement,
                summary=f"Statement PDF of {invoice.invoice_id} requested",
            )
        if queue:
            enqueue_on_commit("billing.tasks.download_statement", statement.pk)
    return statement


def _claim(statement_id: int) -> bool:
    return bool(
        StatementPdf.objects.filter(
            pk=statement_id,
            state__in=[StatementPdf.State.QUEUED, StatementPdf.State.RETRYING],
        ).update(state=StatementPdf.State.DOWNLOADING)
    )


def statement_download_attempt(*, statement_id: int, client=None) -> StatementPdf:
    """One download attempt.

    Steps: claim the row (QUEUED/RETRYING -> DOWNLOADING; a second runner gets nothing), stream
    the PDF into a temporary file while hashing it, check it is a PDF, save it to storage and
    record size and sha256. Raises ``StatementTransientError`` (retry later) or
    ``StatementPermanentError``; the caller (the task) decides what the failure means.
    """
    if not _claim(statement_id):
        return StatementPdf.objects.get(pk=statement_id)
    statement = StatementPdf.objects.select_related("invoice").get(pk=statement_id)
    StatementPdf.objects.filter(pk=statement.pk).update(attempts=statement.attempts + 1)
    statement.attempts += 1
    invoice_id = statement.invoice.invoice_id
    client = client or get_client()
    digest, size = hashlib.sha256(), 0
    with tempfile.TemporaryFile() as tmp:
        try:
            for chunk in client.download_invoice_statement(invoice_id):
                tmp.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        except (NotFound, PermissionDenied, ValidationError, AuthenticationError) as exc:
            raise StatementPermanentError(pc_error_message(exc, _downloading(invoice_id))) from exc
        except PartnerCenterError as exc:
            raise StatementTransientError(pc_error_message(exc, _downloading(invoice_id))) from exc
        except OSError as exc:  # connection dropped mid-body
            raise StatementTransientError(
                _("The download of the statement of %(invoice)s was cut off: %(error)s")
                % {"invoice": invoice_id, "error": exc}
            ) from exc
        tmp.seek(0)
        if size == 0 or tmp.read(5) != b"%PDF-":
            raise StatementPermanentError(
                _("Partner Center did not return a PDF for %(invoice)s (%(size)d bytes).")
                % {"invoice": invoice_id, "size": size}
            )
        tmp.seek(0)
        sha = digest.hexdigest()
        old_name = statement.file.name
        statement.file.save(f"Invoice_{invoice_id}_{sha[:12]}.pdf", File(tmp), save=False)
    StatementPdf.objects.filter(pk=statement.pk).update(
        state=StatementPdf.State.STORED,
        file=statement.file.name,
        size=size,
        sha256=sha,
        last_error="",
        stored_at=timezone.now(),
        next_attempt_at=None,
    )
    if old_name and old_name != statement.file.name:
        statement.file.storage.delete(old_name)
    statement.refresh_from_db()
    return statement


def statement_mark_retrying(*, statement_id: int, error: str, delay: float) -> None:
    StatementPdf.objects.filter(pk=statement_id).update(
        state=StatementPdf.State.RETRYING,
        last_error=error,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )


def statement_mark_failed(*, statement_id: int, error: str) -> None:
    StatementPdf.objects.filter(pk=statement_id).update(
        state=StatementPdf.State.FAILED, last_error=error, next_attempt_at=None
    )
