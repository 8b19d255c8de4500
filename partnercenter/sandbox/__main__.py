"""``python -m partnercenter.sandbox --port 8765 --state var/sandbox.sqlite3 [...]``"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from werkzeug.serving import make_server

from partnercenter.sandbox.app import create_app
from partnercenter.sandbox.faults import parse_spec
from partnercenter.sandbox.server import KeepAliveRequestHandler


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m partnercenter.sandbox", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765, help="0: any free port (see --port-file)")
    p.add_argument("--port-file", help="write the port actually bound to this file once listening")
    p.add_argument(
        "--state", default="var/sandbox.sqlite3", help="SQLite file (persists across restarts)"
    )
    p.add_argument("--catalog-size", type=int, help="total SKUs in the catalog (generated)")
    p.add_argument("--invoice-lines", type=int, help="line items of the generated large invoice")
    p.add_argument("--invoice-count", type=int, help="how many such invoices (default 1)")
    p.add_argument("--invoice-customers", type=int, help="customers on it (default 5000)")
    p.add_argument("--invoice-products", type=int, help="products on it (default 400)")
    p.add_argument("--page-cache", help="directory keeping generated invoices' pages as bytes")
    p.add_argument("--customers", type=int, help="generated customers besides the seeded ones")
    p.add_argument("--client-id")
    p.add_argument("--client-secret")
    p.add_argument("--tenant-id")
    p.add_argument("--seed", type=int)
    p.add_argument("--order-list-delay", type=float, help="seconds before new orders show in lists")
    p.add_argument("--registration-delay", type=float, help="seconds Registering -> Registered")
    p.add_argument(
        "--order-completion-delay", type=float, help="seconds pending -> completed (one-time)"
    )
    p.add_argument("--cart-ttl", type=float, help="seconds a cart lives after its last change")
    p.add_argument(
        "--reissue-catalog-ids", action="store_true", help="change every availability id at start"
    )
    p.add_argument("--config", help="JSON object of further settings (see /_sandbox/config)")
    p.add_argument("--fault", action="append", default=[],
                   help="fault rule, e.g. kind=429,path=/v1/customers/*,method=GET,probability=0.5,retry_after=2")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no per-request log lines")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    overrides = json.loads(args.config) if args.config else {}
    for name in ("catalog_size", "invoice_lines", "invoice_count", "invoice_customers", "invoice_products", "page_cache", "customers", "client_id", "client_secret", "tenant_id", "seed",
                 "order_list_delay", "registration_delay", "order_completion_delay", "cart_ttl"):  # fmt: skip
        value = getattr(args, name)
        if value is not None:
            overrides[name] = value
    if args.quiet:
        overrides["log_requests"] = False
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_app(args.state, overrides, faults=[parse_spec(s) for s in args.fault])
    if args.reissue_catalog_ids:
        with app.test_client() as c:
            c.post("/_sandbox/reissue-catalog-ids")
    server = make_server(
        args.host, args.port, app, threaded=True, request_handler=KeepAliveRequestHandler
    )
    logging.getLogger("partnercenter.sandbox").info(
        "Partner Center sandbox on http://%s:%d (state %s)", args.host, server.port, args.state
    )
    if args.port_file:  # written whole (rename), so a reader never sees a partial number
        partial = Path(f"{args.port_file}.partial")
        partial.write_text(str(server.port))
        partial.replace(args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
