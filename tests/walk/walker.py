"""Walk the portal in Chromium as one user: open every page reachable from the dashboard, follow
each link and GET each form target, and record what a user would notice (403/404/5xx, console
errors, failed requests) plus the axe-core violations of each distinct page."""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from axe_playwright_python.sync_playwright import Axe
from django.urls import Resolver404, resolve

# Pages of the same view with the same query keys look alike: open a few of each, not every row.
PER_SHAPE = 2
# Re-sorting or paging a list shows the same page again: one such variant per view is enough.
VARIANT_KEYS = {"sort", "page", "per_page"}
# Links that leave the portal's pages or end the session.
SKIP_PREFIXES = ("/django-admin/", "/static/", "/accounts/logout/")
DOWNLOAD = re.compile(r"(\.csv|\.pdf|/statement/)($|\?)|[?&]format=csv")
SETTLE_MS = 200
DOWNLOAD_TIMEOUT_MS = 90_000
SERIOUS = {"serious", "critical"}
_axe = Axe()


@dataclass
class Finding:
    url: str
    problem: str
    source: str = ""

    def __str__(self) -> str:
        return f"{self.problem} at {self.url}" + (
            f" (linked from {self.source})" if self.source else ""
        )


@dataclass
class WalkReport:
    username: str
    seconds: float = 0.0
    pages: list[str] = field(default_factory=list)
    targets: int = 0
    statuses: Counter = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    console_errors: list[Finding] = field(default_factory=list)
    axe: list[Finding] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.username}: {len(self.pages)} pages, {self.targets} links/form targets checked, "
            f"{self.statuses[403]} x 403, {self.statuses[404]} x 404, "
            f"{len(self.console_errors)} console errors, "
            f"{len(self.axe)} serious/critical axe violations ({self.seconds:.0f} s)"
        )


def axe_serious(page) -> list[str]:
    """The serious and critical axe-core violations of the page as it stands."""
    result = _axe.run(page, options={"resultTypes": ["violations"]})
    return [
        f"axe {v['impact']} {v['id']}: " + "; ".join(n["html"][:120] for n in v["nodes"][:3])
        for v in result.response["violations"]
        if v["impact"] in SERIOUS
    ]


def _shape(path: str, query: str) -> tuple:
    try:
        match = resolve(path)
    except Resolver404:
        return (path,)
    return (match.view_name, tuple(sorted({k for k, _ in parse_qsl(query)})))


def walk(page, username: str, *, start: str = "/", run_axe: bool = True) -> WalkReport:
    report = WalkReport(username)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    current = {"url": ""}

    def on_console(msg):
        if msg.type == "error":
            report.console_errors.append(Finding(current["url"], f"console: {msg.text}"))

    def on_pageerror(exc):
        report.console_errors.append(Finding(current["url"], f"page error: {exc}"))

    def on_response(resp):
        if (
            resp.url.startswith(origin)
            and resp.status >= 400
            and not resp.request.is_navigation_request()
        ):
            report.findings.append(Finding(current["url"], f"{resp.status} for {resp.url}"))

    def on_failed(req):
        # A poll still in flight when the walk navigates on is cancelled by the browser
        # (net::ERR_ABORTED); no user sees that. Every other failure is a finding.
        aborted_by_navigation = (
            req.failure == "net::ERR_ABORTED" and not req.is_navigation_request()
        )
        if req.url.startswith(origin) and not aborted_by_navigation:
            report.findings.append(
                Finding(current["url"], f"request failed {req.url}: {req.failure}")
            )

    page.on("console", on_console)
    page.on("pageerror", on_pageerror)
    page.on("response", on_response)
    page.on("requestfailed", on_failed)

    started = time.monotonic()
    queue: list[tuple[str, str]] = [(start, "")]
    seen: set[str] = {start}
    shapes: Counter = Counter()
    axed: set = set()
    while queue:
        url, source = queue.pop(0)
        parts = urlsplit(url)
        shape = _shape(parts.path, parts.query)
        keys = set(shape[1]) if len(shape) > 1 else set()
        limit = 1 if keys and keys <= VARIANT_KEYS else PER_SHAPE
        if shapes[shape] >= limit:
            continue
        shapes[shape] += 1
        current["url"] = url
        response = page.goto(url, wait_until="load")
        status = response.status if response else 0
        report.statuses[status] += 1
        if status >= 400:
            report.findings.append(Finding(url, f"page answered {status}", source))
            continue
        page.wait_for_timeout(SETTLE_MS)  # htmx requests fired on load
        report.pages.append(url)
        if run_axe and shape[:1] not in axed:
            axed.add(shape[:1])
            report.axe += [Finding(url, problem) for problem in axe_serious(page)]
        for problem in page.evaluate(_PAGE_CHECKS_JS):
            report.findings.append(Finding(url, problem, source))
        for target, method in _targets(page):
            absolute = urlsplit(target)
            if absolute.netloc and f"{absolute.scheme}://{absolute.netloc}" != origin:
                continue
            path = absolute.path or "/"
            if path.startswith(SKIP_PREFIXES):
                continue
            local = path + (f"?{absolute.query}" if absolute.query else "")
            if method == "get-page" and not DOWNLOAD.search(local):
                if local not in seen:
                    seen.add(local)
                    queue.append((local, url))
                continue
            key = f"{method} {local}"
            if key in seen:
                continue
            seen.add(key)
            report.targets += 1
            # Downloads (a reconciliation PDF) can take a while on a loaded machine.
            answer = page.request.get(local, max_redirects=0, timeout=DOWNLOAD_TIMEOUT_MS)
            report.statuses[answer.status] += 1
            if answer.status in (403, 404) or answer.status >= 500:
                report.findings.append(
                    Finding(local, f"{method} target answered {answer.status}", url)
                )
    report.seconds = time.monotonic() - started
    return report


_TARGETS_JS = """() => {
  const out = [];
  for (const a of document.querySelectorAll('a[href]')) {
    const href = a.getAttribute('href');
    if (!href || href.startsWith('#') || href.startsWith('mailto:')) continue;
    out.push([a.href, 'get-page']);
  }
  for (const f of document.querySelectorAll('form')) {
    const method = (f.getAttribute('method') || 'get').toLowerCase();
    // getAttribute: a field named "action" would shadow form.action
    const action = new URL(f.getAttribute('action') || document.location.href, document.baseURI).href;
    out.push([action, method === 'get' ? 'get-page' : 'post-form']);
  }
  for (const el of document.querySelectorAll('[hx-get],[hx-post]')) {
    const u = el.getAttribute('hx-get') || el.getAttribute('hx-post');
    if (u) out.push([new URL(u, document.baseURI).href, 'htmx']);
  }
  return out;
}"""


# What every page must have: a skip link to the main region, and a CSV export beside any
# sortable table (the export carries the table's columns and filters).
_PAGE_CHECKS_JS = """() => {
  const problems = [];
  const skip = document.querySelector('body > a.skip-link[href="#main"]');
  if (!skip || !document.getElementById('main')) problems.push('no skip link to #main');
  const sortable = [...document.querySelectorAll('table')].find(
    (t) => t.querySelector('thead a.sort') && [...t.querySelectorAll('tbody tr')].some((r) => !r.querySelector('td[colspan]')));
  const csv = document.querySelector('a[href*="format=csv"], a[href*=".csv"]');
  if (sortable && !csv) problems.push('sortable table without a CSV export');
  return problems;
}"""


def _targets(page) -> list[tuple[str, str]]:
    return [tuple(t) for t in page.evaluate(_TARGETS_JS)]
