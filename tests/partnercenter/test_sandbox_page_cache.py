"""With ``page_cache``, the sandbox serves a generated invoice's pages as stored bytes once made:
what a benchmark relies on to keep the sandbox's own JSON work out of the import's timing."""

from __future__ import annotations

import json

from partnercenter.sandbox.testing import SandboxServer

LINES = 2_500


def _read(server) -> list[tuple[list[str], str | None]]:
    pages = server.client().iter_invoice_line_item_pages(f"G9{LINES:08d}", page_size=1000, raw=True)
    return [
        ([line["referenceId"] for line in page.items], page.continuation_token) for page in pages
    ]


def test_pages_are_stored_once_and_then_served_as_stored(tmp_path):
    cache = tmp_path / "pages"
    with SandboxServer(tmp_path / "sb", invoice_lines=LINES, page_cache=str(cache),
                       log_requests=False) as server:  # fmt: skip
        first = _read(server)
        assert [len(ids) for ids, _ in first] == [1000, 1000, 500]
        assert len({i for ids, _ in first for i in ids}) == LINES
        stored = sorted(cache.glob("*.json"))
        assert len(stored) == 3 and not list(cache.glob("*.partial"))
        assert _read(server) == first  # same bytes, resumable with the same tokens

        # Served from the file, not made again: a change to a stored page shows.
        for path in stored:
            body = json.loads(path.read_text())
            if body["totalCount"] == 500:
                body["items"][0]["referenceId"] = "from-the-stored-page"
                path.write_text(json.dumps(body))
        again = _read(server)
        assert again[2][0][0] == "from-the-stored-page" and again[:2] == first[:2]
