"""Pseudo-locale run: every page of every role, rendered with a pseudo-translation of the catalog
(``Save`` -> ``[Šàʋé]``), shows no English word outside data, ids and numbers. A word left is a
string nobody marked for translation (or one missing from the catalog: ``make messages``).

Pages: every URL of the URLconf addressed with real objects (the security world), as each role
its view admits, then the links each page offers (a few per view and query shape), the sign-in
page and the error pages. Failures are listed page by page with the English words found."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from tests.portal.test_access_matrix import ACCOUNT, ENTRIES, PUBLIC, _allowed_roles
from tests.security.conftest import object_url
from tests.security.pseudo_locale import build_pseudo_locale, data_words, offenders, pseudo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pc_unreachable")]

ROLES = ("sales", "finance", "admin")
PER_SHAPE = 2  # pages of one view with the same query keys look alike
SKIP = ("/django-admin/", "/static/", "/media/", "/accounts/logout/", "/language/")
DOWNLOAD = re.compile(r"(\.csv|\.pdf|/statement/|/pdf/)($|\?)|[?&]format=csv")
# Views (URL names or namespaces) whose pages are still being translated: reported, not failed.
# Must end empty.
PENDING: set[str] = set()


def _pending(view_name: str) -> str | None:
    return next((p for p in PENDING if view_name == p or view_name.startswith(p)), None)


@pytest.fixture
def pseudo_locale(settings, tmp_path):
    settings.LOCALE_PATHS = [build_pseudo_locale(tmp_path / "locale")]
    settings.LANGUAGE_CODE = "en"


def _client(user=None) -> Client:
    client = Client(headers={"accept-language": "zh-Hant"}, raise_request_exception=True)
    if user is not None:
        client.force_login(user)
    return client


def _view_name(path: str) -> str:
    try:
        return resolve(path).view_name
    except Resolver404:
        return path


def _links(html: str) -> list[str]:
    return re.findall(r'<a\b[^>]*\bhref="([^"#]+)', html)


def _crawl(client: Client, starts: list[str]) -> dict[str, str]:
    """GET ``starts`` and the local links of each page; return {url: html} of the 200 HTML
    pages."""
    pages: dict[str, str] = {}
    shapes: Counter = Counter()
    queue = list(dict.fromkeys(starts))
    seen = set(queue)
    while queue:
        url = queue.pop(0)
        parts = urlsplit(url)
        shape = (_view_name(parts.path), tuple(sorted({k for k, _ in parse_qsl(parts.query)})))
        if parts.query and shapes[shape] >= PER_SHAPE:
            continue
        shapes[shape] += 1
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[url] = html
        for href in _links(html):
            href = href.replace("&amp;", "&")
            target = urlsplit(href)
            if target.netloc or not target.path.startswith("/") or target.path.startswith(SKIP):
                continue
            local = target.path + (f"?{target.query}" if target.query else "")
            if DOWNLOAD.search(local) or local in seen:
                continue
            seen.add(local)
            queue.append(local)
    return pages


def test_pseudo_translation_keeps_placeholders_and_markup():
    assert pseudo("Save") == "[Šàʋé]"
    assert pseudo("%(count)s lines of <b>{name}</b> &amp; more") == (
        "[%(count)s ĺíñéš óƒ <b>{name}</b> &amp; ɱóŕé]"
    )


def _jobs_in_every_state() -> None:
    """Progress bars and stale-data warnings show too: one job running, others failed."""
    from portal.shared.progress import sync_begin, sync_fail, sync_succeed

    sync_begin(kind="customers", total=40)
    for kind in ("orders", "entitlements", "invoices", "catalog:US"):
        sync_succeed(kind=kind)
        sync_fail(kind=kind, error="HTTP 503")


def test_no_unmarked_english_on_any_page(world, pseudo_locale):
    _jobs_in_every_state()
    rendered: dict[str, str] = {}
    for role in ROLES:
        starts = [
            object_url(name, world)
            for name, _url, callback in ENTRIES
            if name not in PUBLIC | ACCOUNT
            and role in {r.value for r in _allowed_roles(callback) or ()}
        ]
        starts = [u for u in starts if not u.startswith(SKIP) and not DOWNLOAD.search(u)]
        pages = _crawl(_client(world["users"][role]), ["/", *starts])
        rendered.update({f"{role} {url}": html for url, html in pages.items()})
    anonymous = _client()
    for url, status in (("/accounts/login/", 200), ("/no-such-page/", 404)):
        response = anonymous.get(url)
        assert response.status_code == status
        rendered[f"anonymous {url}"] = response.content.decode()
    signed_in = _client(world["users"]["finance"])
    for url, status in (("/no-such-page/", 404), ("/customers/", 403)):
        response = signed_in.get(url)
        assert response.status_code == status
        rendered[f"finance {url}"] = response.content.decode()
    assert any("<progress" in html for html in rendered.values())  # the states did show
    assert any("HTTP 503" in html for html in rendered.values())
    # Data is what the database holds once every page ran (pages queue work that stores texts).
    allowed = data_words()
    report: dict[str, list[str]] = {}
    pending: dict[str, list[str]] = {}
    pending_views: set[str] = set()
    for page, html in rendered.items():
        words = offenders(html, allowed)
        if not words:
            continue
        group = _pending(_view_name(urlsplit(page.split()[1]).path))
        if group:
            pending_views.add(group)
            pending[page] = words
        else:
            report[page] = words
    visited = len(rendered)
    print(f"\npseudo-locale: {visited} pages; {len(report)} with English, {len(pending)} pending")
    for page, words in sorted(pending.items()):
        print(f"  pending {page}: {' '.join(words[:30])}")
    assert visited > 60
    assert not report, "English not marked for translation:\n" + "\n".join(
        f"{page}: {' '.join(words[:40])}" for page, words in sorted(report.items())
    )
    stale = PENDING - pending_views
    assert not stale, f"translated now, take them off PENDING: {sorted(stale)}"
