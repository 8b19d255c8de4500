"""A tiny fake Partner Center + Azure AD authority on a loopback port, for client transport tests.

Routes are scripted per test: ``fake.route("GET", "/v1/customers/c1", reply(200, {...}), ...)`` queues
replies served in order (the last one repeats). Every request is recorded in ``fake.requests``.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TENANT = "8f6e6b8e-3c1d-4b43-9d7e-5a7c0e2b1a10"
CLIENT_ID = "test-client"
CLIENT_SECRET = "test-secret-value"


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None


def reply(
    status: int = 200,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    delay: float = 0.0,
    raw: bytes | None = None,
) -> Reply:
    return Reply(status, body, dict(headers or {}), delay, raw)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    raw_path: str

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


class FakePartnerCenter:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply]] = {}
        self.requests: list[Recorded] = []
        self.token_requests: list[dict[str, list[str]]] = []
        self.nonces: dict[str, str] = {}
        self.user_token_ttl = 3600
        self.revoked = False
        self._counter = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fake._dispatch(self, body)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.authority = f"{self.base_url}/{TENANT}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> FakePartnerCenter:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- scripting -------------------------------------------------------------------------------

    def route(self, method: str, path: str, *replies: Reply) -> None:
        self.routes[(method.upper(), path)] = list(replies)

    def api_requests(self, path: str | None = None) -> list[Recorded]:
        return [
            r
            for r in self.requests
            if "/oauth2/" not in r.path
            and "openid" not in r.path
            and (path is None or r.path == path)
        ]

    # -- serving ---------------------------------------------------------------------------------

    def _send(self, handler: BaseHTTPRequestHandler, r: Reply) -> None:
        if r.delay:
            time.sleep(r.delay)
        if r.raw is not None:
            payload = r.raw
        elif r.body is None:
            payload = b""
        else:
            payload = json.dumps(r.body).encode()
        try:
            handler.send_response(r.status)
            headers = {"Content-Type": "application/json; charset=utf-8", **r.headers}
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _dispatch(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        parts = urlsplit(handler.path)
        record = Recorded(
            handler.command,
            parts.path,
            parse_qs(parts.query),
            dict(handler.headers.items()),
            body,
            handler.path,
        )
        with self._lock:
            self.requests.append(record)
        if parts.path.endswith("/v2.0/.well-known/openid-configuration"):
            base = f"{self.base_url}/{TENANT}"
            # http endpoints on purpose: the client must turn them into https for MSAL.
            return self._send(
                handler,
                reply(
                    200,
                    {
                        "issuer": f"{base}/v2.0",
                        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                        "token_endpoint": f"{base}/oauth2/v2.0/token",
                    },
                ),
            )
        if parts.path.endswith("/oauth2/v2.0/token"):
            return self._send(handler, self._token(parse_qs(body.decode())))
        replies = self.routes.get((handler.command, parts.path))
        if not replies:
            return self._send(
                handler,
                reply(404, {"code": 1000, "description": "No fake route", "source": "Fake"}),
            )
        with self._lock:
            r = replies.pop(0) if len(replies) > 1 else replies[0]
        self._send(handler, r)

    def _token(self, form: dict[str, list[str]]) -> Reply:
        with self._lock:
            self.token_requests.append(form)
            self._counter += 1
            n = self._counter
        grant = form.get("grant_type", [""])[0]
        if form.get("client_secret", [""])[0] != CLIENT_SECRET:
            return reply(401, {"error": "invalid_client", "error_description": "bad secret"})
        if grant == "client_credentials":
            return reply(
                200, {"access_token": f"app-token-{n}", "token_type": "Bearer", "expires_in": 3600}
            )
        if grant == "refresh_token" and self.revoked:
            return reply(
                400, {"error": "invalid_grant", "error_description": "AADSTS50173: revoked"}
            )
        if grant in ("authorization_code", "refresh_token"):
            oid = "11111111-2222-3333-4444-555555555555"
            nonce = self.nonces.get(form.get("code", [""])[0])
            claims = {
                "iss": f"{self.base_url}/{TENANT}/v2.0",
                "aud": CLIENT_ID,
                "sub": oid,
                "oid": oid,
                "tid": TENANT,
                "exp": int(time.time()) + 3600,
                "iat": int(time.time()),
                "preferred_username": "admin@partner.example",
                "name": "Ada Admin",
            }
            if nonce:
                claims["nonce"] = nonce
            id_token = f"{_b64({'alg': 'none'})}.{_b64(claims)}.sig"
            return reply(
                200,
                {
                    "access_token": f"user-token-{n}",
                    "token_type": "Bearer",
                    "expires_in": self.user_token_ttl,
                    "refresh_token": f"refresh-{uuid.uuid4()}",
                    "id_token": id_token,
                    "client_info": _b64({"uid": oid, "utid": TENANT}),
                    "scope": form.get("scope", [""])[0],
                },
            )
        return reply(400, {"error": "unsupported_grant_type"})
