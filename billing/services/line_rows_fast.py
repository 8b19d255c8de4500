"""The line import's speed path, fenced: the same rows as ``line_rows`` (the reference), faster.

Two things make a million-line import affordable, and both live here:

- ``raw_row_adapter``: the client's raw mode (``iter_invoice_line_item_pages(raw=True)``) skips its
  models, and one ``exec``-generated function converts a JSON line into its row (a tuple display of
  28 column expressions, no loop), keeping money texts already in Decimal's own form as they are
  (``PLAIN_DECIMAL``) and converting repeated other money and date texts once (small caches,
  cleared when full: real invoices repeat little beyond products and days);
- ``prefetch``: pages are fetched, JSON-decoded (stdlib ``json``: orjson and msgspec were
  measured, see docs/scaling.md) and converted in a helper thread while this thread writes the
  previous page. The queue between them holds at most ``depth`` pages of rows, so memory stays
  bounded however much slower the database is than Partner Center: the helper thread waits.

``tests/billing/test_line_paths.py`` checks, on generated pages (hypothesis), that this path and
the reference produce the same rows and refuse the same lines.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import connection

from billing.services.line_rows import COLUMNS, RowPage, fit_page
from partnercenter.errors import InvalidResponse
from partnercenter.models._base import parse_datetime, parse_decimal, parse_str
from partnercenter.models.billing import OneTimeInvoiceLineItem
from partnercenter.models.enums import BillingProvider

# Converted texts kept per cache: enough for a page's products, days and repeated amounts.
CACHE_SIZE = 4096

# Money texts that ``str(Decimal(text))`` gives back unchanged (no sign +, exponent, spaces or
# leading zeros; below 1 at most 6 decimals, beyond which Decimal writes an exponent): stored as
# they are, without making the Decimal. Everything else goes through ``parse_decimal``.
PLAIN_DECIMAL = re.compile(r"-?(?:[1-9][0-9]*(?:\.[0-9]+)?|0(?:\.[0-9]{1,6})?)")


# One function on purpose: it generates the flat per-line converter (no calls, no loop) for speed.
def raw_row_adapter() -> Callable:
    """Like ``line_rows.row_adapter`` but for raw JSON line items (``iter_invoice_line_item_pages(raw=True)``).

    Same values as going through the client's ``OneTimeInvoiceLineItem``: the same JSON keys, money
    through ``parse_decimal`` (Decimal, stored as its text; bad money raises ``InvalidResponse``),
    dates through ``parse_datetime`` (aware UTC, then adapted for the database), the model's
    required ids checked (``check_required``: a line without ``orderId`` raises
    ``InvalidResponse``), lines of another billing provider blank (as the client's generic
    ``InvoiceLineItem``).

    It runs for every one of millions of lines, so it is one generated function (a tuple display
    of 28 column expressions, no loop), and repeated money and date texts are converted once
    (``adapt.caches``: at most ``CACHE_SIZE`` entries each)."""
    keys = OneTimeInvoiceLineItem.json_keys()
    adapt_dt = connection.ops.adapt_datetimefield_value
    dec_cache: dict[str, str | None] = {}
    dt_cache: dict[str, Any] = {}
    providers: dict[Any, bool] = {}

    def to_str(value: Any, field: str) -> str:
        return "" if value is None else parse_str(value, field)

    def to_dec(value: Any, field: str) -> str | None:
        if value.__class__ is str and value in dec_cache:
            return dec_cache[value]
        parsed = parse_decimal(value, field)  # raises InvalidResponse on bad money
        out = None if parsed is None else str(parsed)
        if value.__class__ is str:
            if len(dec_cache) >= CACHE_SIZE:
                dec_cache.clear()
            dec_cache[value] = out
        return out

    def to_dt(value: Any, field: str) -> Any:
        key = value if value.__class__ is str else repr(value)
        if key in dt_cache:
            return dt_cache[key]
        parsed = parse_datetime(value, field)
        out = adapt_dt(parsed) if parsed is not None else None
        if len(dt_cache) >= CACHE_SIZE:
            dt_cache.clear()
        dt_cache[key] = out
        return out

    def first(data: dict, names: tuple[str, ...]) -> Any:
        for name in names:
            if name in data:
                return data[name]
        return None

    def one_time(value: Any) -> bool:
        if value is not None and not isinstance(value, str):
            value = str(value)
        known = providers.get(value)
        if known is None:
            parsed = BillingProvider.parse(value, "LineItem.billingProvider")
            known = providers[value] = parsed in (
                BillingProvider.ONE_TIME,
                BillingProvider.ALL,
                None,
            )
        return known

    def not_object(data: Any) -> None:
        raise InvalidResponse(f"Expected a JSON object for a line item, got {type(data).__name__}")

    exprs = []
    for _column, attr, kind in COLUMNS:
        names, field = keys[attr], f"OneTimeInvoiceLineItem.{attr}"
        get = f"get({names[0]!r})" if len(names) == 1 else f"first(data, {names!r})"
        if kind == "str":
            exprs.append(f"(v if (v := {get}).__class__ is str else to_str(v, {field!r}))")
        elif kind == "dt":
            exprs.append(f"(None if (v := {get}) is None or v == '' else to_dt(v, {field!r}))")
        else:
            exprs.append(
                f"(None if (v := {get}) is None or v == '' else v if v.__class__ is str"
                f" and plain(v) else to_dec(v, {field!r}))"
            )
    blank = tuple("" if kind == "str" else None for _c, _a, kind in COLUMNS)
    source = (
        "def adapt(invoice_pk, provider, line_type, sequence, data):\n"
        "    if not isinstance(data, dict):\n"
        "        not_object(data)\n"
        "    get = data.get\n"
        "    if not one_time(get('billingProvider')):\n"
        "        return (invoice_pk, provider, line_type, sequence) + blank\n"
        "    check_required(data)\n"
        "    return (invoice_pk, provider, line_type, sequence,\n        "
        + ",\n        ".join(exprs)
        + ")\n"
    )
    namespace = {"to_str": to_str, "to_dec": to_dec, "to_dt": to_dt, "first": first,
                 "one_time": one_time, "not_object": not_object, "blank": blank,
                 "plain": PLAIN_DECIMAL.fullmatch,
                 "check_required": OneTimeInvoiceLineItem.check_required}  # fmt: skip
    exec(compile(source, "<billing line adapter>", "exec"), namespace)  # our own generated text
    adapt = namespace["adapt"]
    adapt.caches = (dec_cache, dt_cache)
    return adapt


def prefetch(iterator, depth: int = 2):
    """Iterate ``iterator`` in a helper thread, at most ``depth`` items ahead.

    The next page is fetched and parsed (network, JSON, the client's models) while this thread
    writes the current one; the bounded queue keeps memory flat. Errors surface in the caller."""
    done = object()
    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work():
        try:
            for item in iterator:
                while not stop.is_set():
                    try:
                        box.put((item, None), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put((done, None))
        except BaseException as exc:  # handed to the consumer, re-raised there
            box.put((done, exc))

    thread = threading.Thread(target=work, name="line-import-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item, error = box.get()
            if item is done:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        close = getattr(iterator, "close", None)
        thread.join(timeout=5)
        if close and not thread.is_alive():
            close()


def row_pages(
    pages: Iterable,
    *,
    invoice_pk: int,
    provider: str,
    line_type: str,
    first_sequence: int,
    depth: int = 2,
) -> Iterator[RowPage]:
    """Rows of client pages of raw JSON line items, numbered from ``first_sequence``, made in a
    helper thread at most ``depth`` pages ahead. The adapter is made here, in the caller's
    thread (it binds this thread's database operations; the helper thread never queries)."""
    adapt = raw_row_adapter()

    def convert() -> Iterator[RowPage]:
        sequence = first_sequence
        for page in pages:
            rows = [
                adapt(invoice_pk, provider, line_type, sequence + n, item)
                for n, item in enumerate(page.items)
            ]
            sequence += len(rows)
            yield RowPage(fit_page(rows), page.continuation_token)

    return prefetch(convert(), depth=depth)
