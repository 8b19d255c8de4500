"""The sandbox's HTTP server: werkzeug's threaded server with HTTP/1.1 keep-alive.

Werkzeug's development server closes the connection after every response (and then waits up to
10 ms for stray request bytes), so a client that makes tens of thousands of calls - a catalog sync
asks for each SKU's availabilities - paid a TCP connect, a new server thread and a close per call.
This handler keeps the connection open between requests, like Partner Center does: a response has
a ``Content-Length`` or is sent chunked, and the part of a request body the application did not
read is consumed (exactly ``Content-Length`` bytes) before the next request line is read.
Requests with a chunked body, ``Connection: close`` or a failure mid-response close the connection.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from typing import Any

from werkzeug.serving import WSGIRequestHandler

log = logging.getLogger("partnercenter.sandbox")


class _Body:
    """``wsgi.input`` limited to ``Content-Length``; knows how much is left to drain."""

    def __init__(self, stream: Any, length: int):
        self._stream = stream
        self.remaining = length

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self._stream.read(size)
        self.remaining -= len(data)
        if not data:
            self.remaining = 0
        return data

    def readline(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self._stream.readline(size)
        self.remaining -= len(data)
        if not data:
            self.remaining = 0
        return data

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def drain(self) -> None:
        while self.remaining > 0 and self.read(min(self.remaining, 65536)):
            pass


class KeepAliveRequestHandler(WSGIRequestHandler):
    """``WSGIRequestHandler`` whose ``run_wsgi`` leaves HTTP/1.1 connections open."""

    protocol_version = "HTTP/1.1"
    timeout = 120  # an idle keep-alive connection is closed after this many seconds

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes: without TCP_NODELAY, Nagle's algorithm holds
        # the body until the client's delayed ACK (~40 ms) on a connection that stays open.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # Over 60 lines on purpose: it keeps the shape of werkzeug's own run_wsgi (write and
    # start_response closures sharing the response state), so the two compare side by side.
    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        body = None
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True  # the dechunked rest cannot be drained reliably
        else:
            try:
                length = max(0, int(self.headers.get("Content-Length") or 0))
            except ValueError:
                length, self.close_connection = 0, True
            body = _Body(self.rfile, length)
            environ["wsgi.input"] = body
        state: dict[str, Any] = {"status": None, "headers": None, "sent": False, "chunked": False}

        def write(data: bytes) -> None:
            if not state["sent"]:
                code_text, _, msg = state["status"].partition(" ")
                code = int(code_text)
                self.send_response(code, msg)
                keys = set()
                for key, value in state["headers"]:
                    keys.add(key.lower())
                    self.send_header(key, value)
                if not ("content-length" in keys or environ["REQUEST_METHOD"] == "HEAD"
                        or 100 <= code < 200 or code in (204, 304)):  # fmt: skip
                    state["chunked"] = True
                    self.send_header("Transfer-Encoding", "chunked")
                if self.close_connection:
                    self.send_header("Connection", "close")
                self.end_headers()
                state["sent"] = True
            if data:
                if state["chunked"]:
                    self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                else:
                    self.wfile.write(data)

        def start_response(status, headers, exc_info=None):
            if exc_info:
                try:
                    if state["sent"]:
                        raise exc_info[1].with_traceback(exc_info[2])
                finally:
                    exc_info = None
            state["status"], state["headers"] = status, headers
            return write

        try:
            app_iter = self.server.app(environ, start_response)
            try:
                for data in app_iter:
                    write(data)
                if not state["sent"]:
                    write(b"")
                if state["chunked"]:
                    self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            finally:
                if hasattr(app_iter, "close"):
                    app_iter.close()
            if body is not None:
                body.drain()
        except OSError:  # includes ConnectionError and TimeoutError
            self.close_connection = True  # the client went away (or a "reset" fault cut it)
        except Exception:
            self.close_connection = True
            log.exception("error while serving %s %s", self.command, self.path)
            if not state["sent"]:
                with contextlib.suppress(OSError):
                    self.send_error(500)
