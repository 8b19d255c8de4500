"""``SandboxServer``: run the sandbox in a subprocess on a loopback port it binds itself (port 0,
reported back through a port file) for tests.

with SandboxServer(tmp_path, order_list_delay=0) as sb:
    client = sb.client()
    sb.add_fault(kind="429", path="/v1/customers/*/carts", method="POST", count=1)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from partnercenter.sandbox.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TENANT_ID

FLAGS = {"catalog_size", "invoice_lines", "invoice_count", "invoice_customers", "invoice_products", "page_cache", "customers", "client_id", "client_secret", "tenant_id", "seed",
         "order_list_delay", "registration_delay", "order_completion_delay", "cart_ttl"}  # fmt: skip


class SandboxServer:
    """Start ``python -m partnercenter.sandbox`` on a port it picks (``restart`` keeps it); stop it
    on exit.

    ``options`` are sandbox settings (``order_list_delay=0``, ``catalog_size=50000``,
    ``failing_catalog_items=[...]``, ...); those with a CLI flag are passed as flags, the rest as
    ``--config``. ``faults`` is a list of fault dicts installed at start.
    """

    def __init__(self, tmp_path: str | Path, *, state: str | Path | None = None, faults=None,
                 startup_timeout: float = 60.0, log_file: str | Path | None = None, **options: Any):  # fmt: skip
        self.tmp_path = Path(tmp_path)
        self.state = Path(state) if state else self.tmp_path / "sandbox.sqlite3"
        self.options = options
        self.faults = faults or []
        self.startup_timeout = startup_timeout
        self.log_path = Path(log_file) if log_file else self.tmp_path / "sandbox.log"
        self.port_file = self.tmp_path / f"sandbox-{uuid.uuid4().hex[:8]}.port"
        self.client_id = options.get("client_id", DEFAULT_CLIENT_ID)
        self.client_secret = options.get("client_secret", DEFAULT_CLIENT_SECRET)
        self.tenant_id = options.get("tenant_id", DEFAULT_TENANT_ID)
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self.http = requests.Session()
        self.http.trust_env = False

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def authority(self) -> str:
        return f"{self.base_url}/{self.tenant_id}"

    @property
    def portal_env(self) -> dict[str, str]:
        """The portal's ``PARTNER_CENTER_*`` settings (environment variables) for this sandbox."""
        return {
            "PARTNER_CENTER_API_URL": self.base_url,
            "PARTNER_CENTER_AUTHORITY": self.authority,
            "PARTNER_CENTER_TENANT_ID": self.tenant_id,
            "PARTNER_CENTER_CLIENT_ID": self.client_id,
            "PARTNER_CENTER_CLIENT_SECRET": self.client_secret,
        }

    def command(self) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "partnercenter.sandbox",
            "--port",
            str(self.port or 0),
            "--port-file",
            str(self.port_file),
            "--state",
            str(self.state),
        ]
        config = {}
        for key, value in self.options.items():
            if key in FLAGS:
                cmd += [f"--{key.replace('_', '-')}", str(value)]
            else:
                config[key] = value
        if config:
            cmd += ["--config", json.dumps(config)]
        for fault in self.faults:
            cmd += ["--fault", ",".join(f"{k}={v}" for k, v in fault.items())]
        return cmd

    def start(self) -> SandboxServer:
        self.tmp_path.mkdir(parents=True, exist_ok=True)
        self.port_file.unlink(missing_ok=True)
        root = Path(__file__).resolve().parents[2]
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
        }
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.command(), stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=root
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"sandbox exited with {self.process.returncode}; see {self.log_path}"
                )
            if not self.port_file.exists():  # not listening yet
                time.sleep(0.05)
                continue
            self.port = int(self.port_file.read_text())
            try:
                if self.http.get(f"{self.base_url}/_sandbox/health", timeout=1).ok:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"sandbox did not become healthy in {self.startup_timeout}s; see {self.log_path}"
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if getattr(self, "_log", None):
            self._log.close()

    def restart(self) -> SandboxServer:
        """Stop and start again on the same port and state file (state persists)."""
        self.stop()
        return self.start()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- clients -------------------------------------------------------------------------------
    def client(self, **kw):
        """A ``partnercenter.Client`` pointed at this sandbox (imported lazily)."""
        from partnercenter import Client

        params = dict(base_url=self.base_url, authority=self.authority, tenant_id=self.tenant_id,
                      client_id=self.client_id, client_secret=self.client_secret)  # fmt: skip
        params.update(kw)
        return Client(**params)

    def _control(self, method: str, path: str, body: dict | None = None) -> Any:
        resp = self.http.request(method, f"{self.base_url}/_sandbox/{path}", json=body, timeout=30)
        if not resp.ok:
            raise RuntimeError(
                f"sandbox control {method} {path} failed: {resp.status_code} {resp.text}"
            )
        return resp.json()

    def configure(self, **settings) -> dict:
        return self._control("POST", "config", settings)

    def config(self) -> dict:
        return self._control("GET", "config")

    def add_fault(self, kind: str, path: str = "*", method: str = "*", **spec) -> str:
        """Install a fault rule (``probability``, ``count``, ``delay``, ``retry_after``, ``seed``)."""
        return self._control(
            "POST", "faults", {"kind": kind, "path": path, "method": method, **spec}
        )["added"][0]

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    def reissue_catalog_ids(self) -> int:
        return self._control("POST", "reissue-catalog-ids")["catalog_generation"]

    def create_external_order(
        self, customer_id: str, line_items: list[dict], billing_cycle="one_time"
    ) -> dict:
        return self._control("POST", "external-orders",
                             {"customer_id": customer_id, "line_items": line_items, "billing_cycle": billing_cycle})  # fmt: skip

    def generate_invoice(self, **options) -> list[dict]:
        """Bill completed, uninvoiced orders (one invoice per currency); returns the new invoices."""
        return self._control("POST", "invoices", options)["invoices"]

    def stats(self) -> dict:
        return self._control("GET", "stats")

    def ledger(self, customer_id: str | None = None) -> dict:
        """Every cart and order per customer, as the sandbox recorded them (see control.ledger)."""
        query = f"?customer_id={customer_id}" if customer_id else ""
        return self._control("GET", f"ledger{query}")

    def advance_clock(self, seconds: float) -> float:
        return self._control("POST", "clock", {"advance_seconds": seconds})["now"]

    def reset(self) -> None:
        self._control("POST", "reset")

    def revoke_user_tokens(self, access_tokens: bool = False) -> None:
        self._control("POST", "revoke-user-tokens", {"access_tokens": access_tokens})
