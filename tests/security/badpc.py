"""A tiny local HTTP server that answers every Partner Center API path with a malformed response
(the sign-in authority stays the sandbox, so the client still gets real tokens)."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HUGE_ITEMS = 3_000


def _body(mode: str, path: str, count: int) -> tuple[int, str, bytes]:
    js = "application/json"
    if mode == "missing_fields":
        return 200, js, json.dumps({"totalCount": 2, "items": [{}, {"id": None}]}).encode()
    if mode == "wrong_types":
        body = {"totalCount": "many", "items": [1, "two", [3], {"id": 4, "companyProfile": 5}],
                "links": {"next": 7}, "id": [], "status": {}, "amount": "lots"}  # fmt: skip
        return 200, js, json.dumps(body).encode()
    if mode == "items_not_list":
        return 200, js, json.dumps({"totalCount": 1, "items": {"id": "x"}}).encode()
    if mode == "invalid_json":
        return 200, js, b'{"totalCount": 3, "items": [{"id": "a"'
    if mode == "html_200":
        return 200, "text/html", b"<html><body><h1>Service Unavailable</h1></body></html>"
    if mode == "html_502":
        return 502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    if mode == "huge_page":
        # Only the first answer is huge (a sync fanning out per item would otherwise multiply it);
        # later ones are cut off mid-body.
        if count > 1:
            return 200, js, b'{"items": ['
        items = [{"id": f"junk-{i}", "unexpected": "x" * 20} for i in range(HUGE_ITEMS)]
        items.append({"id": "big", "companyProfile": {"companyName": "N" * 1_000_000}})
        return 200, js, json.dumps({"totalCount": len(items), "items": items}).encode()
    if mode == "next_loop":
        # A continuation link that points back at itself: a client that follows it forever
        # never finishes. After 100 answers the server gives up with garbage.
        if count > 100:
            return 200, js, b"not json"
        body = {"totalCount": 1, "items": [],
                "links": {"next": {"uri": path, "method": "GET",
                                   "headers": [{"key": "MS-ContinuationToken", "value": "t"}]}},
                "continuationToken": "t"}  # fmt: skip
        return 200, js, json.dumps(body).encode()
    if mode == "empty":
        return 200, js, b""
    raise ValueError(mode)


MODES = [
    "missing_fields",
    "wrong_types",
    "items_not_list",
    "invalid_json",
    "html_200",
    "html_502",
    "huge_page",
    "next_loop",
    "empty",
]


class BadPartnerCenter:
    def __init__(self):
        self.mode = "invalid_json"
        self.requests = 0
        self.body_factory = None  # optional callable(path) -> (status, content_type, bytes)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                owner.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                if owner.body_factory is not None:
                    status, ctype, body = owner.body_factory(self.path)
                else:
                    status, ctype, body = _body(owner.mode, self.path, owner.requests)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


SUFFIX = "~" + "Q" * 600  # longer than any bounded column of the mirror
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
# Codes the portal keys on (refusing, not cutting, is right for them: see test_long_values.py),
# and plumbing that is not data (links, continuation tokens, headers).
KEEP_KEYS = {"currency", "currencyCode", "pricingCurrency", "country", "billingCycle", "segment", "billingProvider",
             "invoiceLineItemType", "code", "links", "continuationToken", "uri", "method",
             "headers", "key", "value", "attributes", "locale", "culture", "language",
             "targetView", "productType"}  # fmt: skip


def lengthen(data, key: str = "", *, keep=KEEP_KEYS):
    """Every string value of a Partner Center document made over-long (``SUFFIX`` appended),
    except GUIDs, dates, URLs, numbers as text and the keys in ``keep``."""
    if key in keep:
        return data
    if isinstance(data, dict):
        return {k: lengthen(v, k, keep=keep) for k, v in data.items()}
    if isinstance(data, list):
        return [lengthen(v, key, keep=keep) for v in data]
    if isinstance(data, str) and data and not (
        _GUID.match(data) or _DATE.match(data) or data.startswith(("http", "/"))
        or data.replace(".", "", 1).lstrip("-").isdigit()
    ):  # fmt: skip
        return data + SUFFIX
    return data


class LengtheningProxy:
    """A proxy in front of the sandbox's API that answers with ``transform(document)`` and strips
    ``SUFFIX`` from what the client sends back (ids in paths, queries, bodies)."""

    def __init__(self, upstream: str, transform=lengthen):
        import requests

        self.upstream = upstream.rstrip("/")
        self.transform = transform
        self.responses = 0
        owner = self
        http = requests.Session()

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.replace(SUFFIX, "").replace("~" + "Q" * 600, "")
                path = re.sub(r"(%7E|~)Q{600}", "", path)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "accept-encoding")}  # fmt: skip
                upstream = http.request(self.command, owner.upstream + path, headers=headers,
                                        data=body.replace(SUFFIX.encode(), b""), timeout=30)  # fmt: skip
                payload = upstream.content
                ctype = upstream.headers.get("Content-Type", "application/json")
                if "json" in ctype and payload:
                    try:
                        doc = json.loads(payload.decode("utf-8-sig"))
                    except ValueError:
                        pass
                    else:
                        payload = json.dumps(owner.transform(doc)).encode()
                        owner.responses += 1
                self.send_response(upstream.status_code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                for name in ("MS-CorrelationId", "MS-RequestId", "Retry-After", "Location"):
                    if name in upstream.headers:
                        self.send_header(name, upstream.headers[name])
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
