"""Fitting Partner Center values into the mirror's columns.

Partner Center does not bound its ids and names, so those columns are unbounded and store them
whole. Other text columns have a length. A longer value is either
- cut, when it is display-only text (a status wording, a term, a region): reported as drift
  (``partnercenter.drift``), the record is kept; or
- refused, when cutting would change what the portal acts on (a choice, a currency or country
  code): ``RecordDoesNotFit``; the sync reports that record and skips it, the rest is kept.

``fit(instance)`` applies this to one unsaved model instance; ``fit_all`` to a batch before a
bulk write. A ``pre_save`` hook (``connect``) applies it to every save of the mirrored models.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import models
from django.db.models.signals import pre_save

from partnercenter import drift

logger = logging.getLogger("portal.shared.mirror")

# Codes cut to length would name something else: refuse the record instead.
STRICT_FIELDS = frozenset(
    {"currency", "country", "pricing_currency", "added_currency", "market",
     "billing_cycle", "segment", "provider", "line_item_type"}
)  # fmt: skip


class RecordDoesNotFit(Exception):
    """A Partner Center value too long for a column whose value cannot be cut."""


def fit_value(field: models.Field, value, label: str):
    """``value`` fitted to ``field``: unchanged, cut (display-only text, reported as drift), or
    ``RecordDoesNotFit`` (an over-long code or choice)."""
    limit = getattr(field, "max_length", None)
    if limit is None or not isinstance(value, str) or len(value) <= limit:
        return value
    if field.choices or field.name in STRICT_FIELDS:
        raise RecordDoesNotFit(
            f"{label}.{field.name} from Partner Center is {len(value)} characters long "
            f"(at most {limit}): {value[:40]!r}…"
        )
    drift.note(f"{label}.{field.name} (cut to {limit})", value[:80])
    return value[:limit]


def fit(instance: models.Model) -> None:
    """Cut over-long display-only text of ``instance`` (reported as drift); raise
    ``RecordDoesNotFit`` for an over-long code or choice."""
    label = instance._meta.label
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.CharField) and field.max_length is not None:
            value = getattr(instance, field.attname)
            fitted = fit_value(field, value, label)
            if fitted is not value:
                setattr(instance, field.attname, fitted)


def fit_rows(model, columns: list[str], rows: list[tuple], *, what: str) -> list[tuple]:
    """Raw rows (tuples in ``columns`` order) of ``model`` fitted like ``fit``; rows that do not
    fit are reported and left out."""
    bounded = [
        (i, field)
        for i, name in enumerate(columns)
        if isinstance(field := model._meta.get_field(name), models.CharField)
        and field.max_length is not None
    ]
    if _all_fit(rows, bounded):
        return rows
    label = model._meta.label
    kept = []
    for row in rows:
        if not any(isinstance(row[i], str) and len(row[i]) > f.max_length for i, f in bounded):
            kept.append(row)
            continue
        values = list(row)
        try:
            for i, field in bounded:
                values[i] = fit_value(field, values[i], label)
        except RecordDoesNotFit as exc:
            skipped(what, exc)
            continue
        kept.append(tuple(values))
    return kept


def _all_fit(rows: list[tuple], bounded: list[tuple[int, models.CharField]]) -> bool:
    """True when every text of ``rows`` fits its column, checked a column at a time (C loops:
    a page of thousands of rows is checked in well under a millisecond)."""
    if not rows:
        return True
    columns = list(zip(*rows, strict=True))
    for i, field in bounded:
        try:
            if max(map(len, columns[i])) > field.max_length:
                return False
        except TypeError:  # a None or a number among the texts: the row-by-row check decides
            return False
    return True


def fit_all(instances: Iterable[models.Model], *, what: str) -> tuple[list, list[str]]:
    """``(kept, problems)``: the instances that fit (display-only text cut) and one sentence per
    instance refused (also logged), so the caller can skip it and report it."""
    kept, problems = [], []
    for instance in instances:
        try:
            fit(instance)
        except RecordDoesNotFit as exc:
            problems.append(skipped(what, exc))
        else:
            kept.append(instance)
    return kept, problems


def skipped(what: str, exc: Exception) -> str:
    """Report one skipped record (log + drift) and return the sentence."""
    message = f"Skipped {what}: {exc}"
    logger.warning(message)
    drift.note("skipped record", message[:200])
    return message


def _on_pre_save(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        fit(instance)


# Models written by the Partner Center syncs one row at a time (bulk writes call ``fit_all``).
MIRRORED = (
    "portal.Customer", "portal.AzureSubscription", "purchasing.Order", "purchasing.OrderLine",
    "purchasing.Entitlement", "purchasing.Reservation", "billing.Invoice",
    "billing.InvoiceSummary", "billing.AccountBalance",
)  # fmt: skip


def connect(app_registry) -> None:
    """Fit every save of the mirrored models (called once, from the portal's AppConfig)."""
    for label in MIRRORED:
        model = app_registry.get_model(label)
        pre_save.connect(_on_pre_save, sender=model, dispatch_uid=f"mirror-fit-{label}")
