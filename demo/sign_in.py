"""The demo's partner sign-in: the real App+User flow against the sandbox's authority.

``portal.partner_center.connection`` starts the authorization-code flow exactly as the Connection page does;
instead of a person, this module fills the sandbox's sign-in form with the sandbox's partner user
and hands the redirect's code back to ``connection_complete`` (MSAL redeems it). Refused unless
``demo.guard.demo_refusal`` allows it, so it cannot run against the real Microsoft authority.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import requests

from demo.guard import demo_refusal
from portal.models import PartnerCenterConnection
from portal.partner_center.connection import connection_begin, connection_complete
from portal.shared.errors import PortalError

PARTNER_USER = "partner.admin@contoso-partner.example"
CALLBACK = "http://127.0.0.1/admin-tools/connection/callback/"


class _HiddenFields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""


def _fill_sign_in_form(auth_uri: str, username: str) -> dict:
    """Answer the sandbox authority's sign-in page; returns the redirect's query parameters."""
    http = requests.Session()
    http.trust_env = False
    page = http.get(auth_uri, timeout=10)
    page.raise_for_status()
    form = _HiddenFields()
    form.feed(page.text)
    answer = http.post(
        auth_uri.split("?")[0],
        data={**form.fields, "username": username},
        allow_redirects=False,
        timeout=10,
    )
    if answer.status_code not in (302, 303) or "Location" not in answer.headers:
        raise PortalError(
            f"The sandbox sign-in page did not accept {username} ({answer.status_code}).",
            code="demo_sign_in",
        )
    return dict(parse_qsl(urlsplit(answer.headers["Location"]).query))


def demo_partner_sign_in(*, username: str = PARTNER_USER, actor=None) -> PartnerCenterConnection:
    """Sign the sandbox's partner user in (App+User) for the demo. Raises ``PortalError`` when
    the demo is refused here or the sign-in fails."""
    refusal = demo_refusal()
    if refusal:
        raise PortalError(refusal, code="demo_refused")
    flow = connection_begin(redirect_uri=CALLBACK)
    return connection_complete(
        flow=flow, query_params=_fill_sign_in_form(flow["auth_uri"], username), actor=actor
    )
