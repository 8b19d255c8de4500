"""Flask application factory: wires the blueprints, auth, idempotency, fault injection, headers, logs."""

from __future__ import annotations

import logging
import secrets
import socket
import time
import uuid

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from partnercenter.sandbox import (
    auth,
    billing,
    carts,
    catalog,
    control,
    customers,
    orders,
    pricesheets,
    seed,
    throttle,
)
from partnercenter.sandbox.common import SOURCE, ApiError
from partnercenter.sandbox.config import Settings
from partnercenter.sandbox.faults import AFTER, BEFORE
from partnercenter.sandbox.state import Sandbox, sandbox
from partnercenter.sandbox.store import Store

log = logging.getLogger("partnercenter.sandbox")
API_PREFIXES = ("/v1/", "/v1.0/")


def create_app(
    state_path: str = ":memory:", overrides: dict | None = None, faults: list[dict] | None = None
) -> Flask:
    """Build the sandbox app on a state database; ``overrides`` beat persisted settings and defaults."""
    store = Store(state_path)
    settings = Settings()
    persisted = store.meta("settings")
    if persisted:
        settings.update({k: v for k, v in persisted.items() if k in settings.to_dict()})
    else:
        settings.inventory_restrictions = seed.default_restrictions()
    settings.update(overrides or {})
    sb = Sandbox(store, settings)
    sb.startup_overrides = dict(overrides or {})
    for spec in faults or []:
        sb.faults.add(**spec)

    app = Flask(__name__)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions["sandbox"] = sb
    for module in (control, auth, catalog, customers, carts, orders, billing, pricesheets):
        app.register_blueprint(module.bp)
    app.before_request(_before)
    app.after_request(_after)
    app.teardown_request(_teardown)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)

    with app.app_context():
        auth.signing_key(sb)
        catalog.ensure_catalog(store, settings.catalog_size, settings.seed)
        seed.seed(sb)
        billing.ensure_generated_invoice(settings.invoice_lines, sb.now())
        sb.persist_settings()
    return app


def _is_api() -> bool:
    return request.path.startswith(API_PREFIXES)


def _before():
    g.start = time.monotonic()
    g.request_id = request.headers.get("MS-RequestId") or str(uuid.uuid4())
    g.correlation_id = request.headers.get("MS-CorrelationId") or str(uuid.uuid4())
    if request.path.startswith("/_sandbox/"):
        return None
    sb = sandbox()
    rule = request.url_rule.rule if request.url_rule else request.path
    sb.count(sb.calls, f"{request.method} {rule}")
    if request.endpoint == "carts.cart_checkout":
        sb.count(sb.checkout_attempts, request.view_args["cart_id"].lower())
    response = _inject_faults(sb)
    if response is not None:
        return response
    if not _is_api():
        return None
    if sb.settings.request_budget_rate > 0:
        wait = sb.budget.take(sb.settings.request_budget_rate, sb.settings.request_budget_burst)
        if wait:
            sb.count(sb.throttled, rule)
            sb.count(sb.throttled_wait, rule, int(throttle.retry_after(wait)))
            return _throttled(wait)
    if sb.settings.latency_ms:
        time.sleep(sb.settings.latency_ms / 1000)
    g.claims = auth.authenticate()
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "user_only", False):
        auth.require_user(g.claims)
    return _idempotent_replay(sb)


def _throttled(wait: float):
    seconds = throttle.retry_after(wait)
    resp = jsonify({"statusCode": 429,
                    "message": f"Rate limit is exceeded. Try again in {seconds} seconds."})  # fmt: skip
    resp.status_code = 429
    resp.headers["Retry-After"] = seconds
    return resp


def _inject_faults(sb: Sandbox):
    for fault in sb.faults.draw(request.method, request.path):
        if fault.kind in BEFORE:
            sb.count(sb.fault_outcomes, f"before:{fault.kind}")
        if fault.kind == "latency":
            time.sleep(fault.delay)
        elif fault.kind == "slow_commit":
            g.slow_commit = fault.delay
        elif fault.kind in AFTER:
            g.after_fault = fault.kind  # applied in _after, once the request has been processed
        elif fault.kind == "429":
            resp = jsonify(
                {
                    "statusCode": 429,
                    "message": f"Rate limit is exceeded. Try again in {fault.retry_after} seconds.",
                }
            )
            resp.status_code = 429
            resp.headers["Retry-After"] = str(fault.retry_after)
            return resp
        elif fault.kind in ("500", "503") and not _is_api():
            error = "server_error" if fault.kind == "500" else "temporarily_unavailable"
            return auth.aad_error(int(fault.kind), error, 90033 if fault.kind == "503" else 90100,
                                  "A transient error has occurred. Please try again.")  # fmt: skip
        elif fault.kind in ("500", "503"):
            text = (
                "Unexpected service error."
                if fault.kind == "500"
                else "The service is temporarily unavailable."
            )
            return _api_error(ApiError(int(fault.kind), 800003, text))
        elif fault.kind == "reset":
            return _reset_connection()
    return None


def _reset_connection() -> Response:
    """Close the socket without an answer: the client sees the connection drop mid-request."""
    sock = request.environ.get("werkzeug.socket")
    g.reset = True
    if sock is not None:
        try:
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    return Response(status=500)  # never delivered: writing to the shut socket fails quietly


def _idempotency_key() -> str | None:
    if (
        request.method not in ("POST", "PUT")
        or not _is_api()
        or not request.headers.get("MS-RequestId")
    ):
        return None
    return f"{request.method} {request.path.lower()} {request.headers['MS-RequestId'].lower()}"


def _idempotent_replay(sb: Sandbox):
    """A POST/PUT repeated with the same MS-RequestId gets the first successful result again."""
    key = _idempotency_key()
    if key is None:
        return None
    lock = sb.idempotency_locks[key]
    lock.acquire()  # a concurrent duplicate waits for the first to finish
    g.idem_lock, g.idem_key = lock, key
    stored = sb.store.idempotent_result(key)
    if stored is None:
        return None
    status, headers, body = stored
    g.idem_key = None
    resp = Response(body, status=status)
    for name, value in headers.items():
        resp.headers[name] = value
    return resp


def _after(resp: Response) -> Response:
    sb = sandbox()
    if g.get("idem_key") and 200 <= resp.status_code < 300 and not resp.is_streamed:
        kept = {k: v for k, v in resp.headers.items() if k in ("Content-Type", "Location")}
        sb.store.save_idempotent_result(
            g.idem_key, resp.status_code, kept, resp.get_data(), sb.now()
        )
    committed = 200 <= resp.status_code < 300
    if g.get("after_fault"):
        # The work is done (and kept for a replay); only the answer is lost.
        if committed:
            sb.count(sb.fault_outcomes, f"after:{g.after_fault}")
        if g.after_fault == "500_after":
            resp = _api_error(ApiError(500, 800003, "Unexpected service error."))
        else:
            resp = _reset_connection()
    if not request.path.startswith("/_sandbox/"):
        resp.headers["MS-RequestId"] = g.get("request_id", "")
        resp.headers["MS-CorrelationId"] = g.get("correlation_id", "")
        resp.headers["MS-CV"] = secrets.token_urlsafe(12) + ".0"
        resp.headers["MS-ServerId"] = "101112616"
        if resp.mimetype == "application/json":
            resp.headers["Content-Type"] = "application/json; charset=utf-8"
    if g.get("slow_commit"):
        if committed:
            sb.count(sb.fault_outcomes, "after:slow_commit")
        time.sleep(g.slow_commit)
    if sb.settings.log_requests:
        took = (time.monotonic() - g.get("start", time.monotonic())) * 1000
        status = "RESET" if g.get("reset") else resp.status_code
        log.info("%s %s %s %.0fms rid=%s cid=%s", request.method, request.full_path.rstrip("?"), status,
                 took, g.get("request_id"), g.get("correlation_id"))  # fmt: skip
    return resp


def _teardown(_exc):
    lock = g.pop("idem_lock", None)
    if lock is not None:
        lock.release()


def _api_error(err: ApiError):
    resp = jsonify(err.body())
    resp.status_code = err.status
    if err.status == 401:
        resp.headers["WWW-Authenticate"] = (
            f"OAuth realm=urn:cpsvc:cpid:{sandbox().settings.tenant_id}"
        )
    return resp


def _http_error(err: HTTPException):
    if not _is_api():
        return err
    code = {404: 1000, 405: 1000}.get(err.code or 500, 3000)
    return _api_error(
        ApiError(err.code or 500, code, f"{err.name}: {request.method} {request.path}")
    )


def _unexpected(err: Exception):
    log.exception("unexpected error")
    return jsonify({"code": 800003, "description": f"Unexpected service error ({type(err).__name__}).",
                    "data": [], "source": SOURCE}), 500  # fmt: skip
