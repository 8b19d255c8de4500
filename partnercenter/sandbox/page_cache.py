"""Encoded pages of generated invoices kept on disk (setting ``page_cache``, ``--page-cache DIR``).

A generated invoice never changes after start-up, so each of its line-item pages is encoded once
and later served as the stored bytes: the sandbox then costs what a Partner Center on another
machine costs the portal (reading bytes off a socket), and a benchmark that reads the invoice
once before timing measures the portal's import, not the sandbox making JSON on the same cores.
A page is written while it is first served (to a temporary name, renamed when complete) and read
back in 1 MB chunks, so memory stays bounded whatever the invoice's size.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

CHUNK = 1 << 20


def _path(directory: str, key: str) -> Path:
    return Path(directory) / f"{hashlib.sha256(key.encode()).hexdigest()}.json"


def cached(directory: str, key: str, make: Iterator[str]) -> Iterator[bytes]:
    """The page's bytes: read from ``directory`` if stored, else ``make``'s text, stored as sent."""
    path = _path(directory, key)
    try:
        stored = path.open("rb")
    except FileNotFoundError:
        return _store(path, make)
    return _read(stored)


def _read(stored) -> Iterator[bytes]:
    with stored:
        while chunk := stored.read(CHUNK):
            yield chunk


def _store(path: Path, make: Iterator[str]) -> Iterator[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    complete = False
    try:
        with partial.open("wb") as out:
            for text in make:
                data = text.encode()
                out.write(data)
                yield data
        complete = True
    finally:
        if complete:
            partial.replace(path)
        else:
            partial.unlink(missing_ok=True)
