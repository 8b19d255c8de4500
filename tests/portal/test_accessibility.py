"""Accessibility basics the pages share: sorted headers say so, progress is a <progress> inside a
live region, and every page starts with a skip link. (axe-core on every page of every role runs
in tests/walk/test_role_walk.py.)"""

from __future__ import annotations

import re
import uuid

import pytest

pytestmark = pytest.mark.django_db


def test_sorted_column_header_carries_aria_sort(admin_client_portal):
    from portal.models import Customer

    Customer.objects.create(tenant_id=uuid.uuid4(), company_name="A", country="US")
    html = admin_client_portal.get("/customers/?sort=-name").content.decode()
    thead = re.search(r"<thead>(.*?)</thead>", html, re.S)[1]
    headers = re.findall(r"<th[^>]*>.*?</th>", thead, re.S)
    sorted_headers = [h for h in headers if "aria-sort" in h]
    assert len(sorted_headers) == 1
    assert 'aria-sort="descending"' in sorted_headers[0] and "Company" in sorted_headers[0]
    html = admin_client_portal.get("/customers/?sort=country").content.decode()
    assert re.search(r'<th aria-sort="ascending"><a [^>]*>Country</a>\s*</th>', html)


def test_running_job_shows_a_progress_element_in_a_live_region(admin_client_portal):
    from portal.shared.progress import sync_begin, sync_progress

    sync_begin(kind="customers", total=40, message="Reading customers")
    sync_progress(kind="customers", done=10)
    html = admin_client_portal.get("/customers/").content.decode()
    region = re.search(r'<div class="sync-status"[^>]*>.*?</div>\s*</div>', html, re.S)[0]
    assert 'role="status"' in region and 'aria-live="polite"' in region
    assert re.search(r'<progress max="40" value="10" aria-label="Reading customers">', region)
    # The poll replaces only the body inside the region, so the region itself stays in place.
    poll = admin_client_portal.get("/sync-status/customers/", HTTP_HX_REQUEST="true")
    assert 'hx-select=".sync-body"' in poll.content.decode()


@pytest.mark.parametrize("url", ["/", "/customers/", "/profile/", "/accounts/login/"])
def test_every_page_starts_with_a_skip_link(admin_client_portal, client, url):
    who = client if url.startswith("/accounts/") else admin_client_portal
    html = who.get(url).content.decode()
    body = html[html.index("<body") :]
    first_link = re.search(r"<a [^>]*>", body)[0]
    assert 'href="#main"' in first_link and "skip-link" in first_link
    assert re.search(r'<main [^>]*id="main"', html)
