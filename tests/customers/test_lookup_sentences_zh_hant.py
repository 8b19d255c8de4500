# ruff: noqa: RUF001 -- the expected sentences use Chinese full-width punctuation
"""Lookups by id speak the reader's language whole: a zh-Hant reader's "not in Partner Center",
sign-in and bad-id sentences name the object (invoice, subscription, customer) in Chinese too."""

from __future__ import annotations

import re
import uuid

import pytest
from django.utils import translation

from billing.services.invoice_lookup import invoice_fetch, invoice_get_or_fetch
from partnercenter.sandbox.seed import customer_id
from portal.customers.services.lookups import (
    customer_get_or_fetch,
    parse_guid,
    subscription_get_or_fetch,
)
from portal.customers.services.sync import customer_sync_all
from portal.shared.errors import NeedsUserConnection, NotInPartnerCenter, PortalError

MISSING = str(uuid.UUID(int=0xC0FFEE))
ENGLISH_NAMES = re.compile(r"\b(invoice|subscription|customers?|order|under any|for)\b", re.I)


def _english(text: str) -> list[str]:
    return ENGLISH_NAMES.findall(text)


@pytest.mark.django_db
def test_missing_subscription_sentence_is_chinese_throughout(sandbox):
    customer_sync_all()
    with translation.override("zh-hant"), pytest.raises(NotInPartnerCenter) as caught:
        subscription_get_or_fetch(subscription_id=MISSING).obj
    text = str(caught.value)
    assert text.startswith(f"合作夥伴中心沒有訂用帳戶 {MISSING} （入口網站中的 6 個客戶皆無）"), (
        text
    )
    assert _english(text) == [], text


@pytest.mark.django_db
def test_missing_customer_under_a_named_owner_is_chinese(sandbox):
    with translation.override("zh-hant"), pytest.raises(NotInPartnerCenter) as caught:
        customer_get_or_fetch(tenant_id=MISSING)
    text = str(caught.value)
    assert "客戶" in text and MISSING in text
    assert _english(text) == [], text


@pytest.mark.django_db
def test_invoice_read_without_sign_in_names_the_invoice_in_chinese(sandbox):
    with translation.override("zh-hant"), pytest.raises(NeedsUserConnection) as caught:
        invoice_fetch(invoice_id="G999999999")
    text = str(caught.value)
    assert "發票 G999999999" in text
    assert _english(text) == [], text


def test_bad_ids_are_refused_in_chinese():
    with translation.override("zh-hant"):
        with pytest.raises(PortalError) as guid:
            parse_guid("not-a-guid", "subscription")
        with pytest.raises(PortalError) as invoice:
            invoice_get_or_fetch(invoice_id="nope")
    assert str(guid.value) == "'not-a-guid' 不是訂用帳戶識別碼（GUID）。"
    assert str(invoice.value) == "'nope' 不是合作夥伴中心發票識別碼（例如 G000024135）。"
    english = r"^'x' is not a customer id \(a GUID\)\.$"
    with translation.override("en"), pytest.raises(PortalError, match=english):
        parse_guid("x", "customer")


def test_a_known_customer_id_parses():
    assert str(parse_guid(customer_id("fabrikam"), "customer")) == customer_id("fabrikam")
