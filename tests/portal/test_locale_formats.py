"""Money and dates follow the active language's locale (CLDR data through Babel); each currency
keeps its ISO 4217 decimals; CSV exports stay machine-readable whatever the language."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from portal.shared.exports import Column, cell_date, cell_time, export_csv
from portal.shared.money import Money

# (currency, amount, English, Traditional Chinese): Babel's CLDR output for en and zh_Hant.
CASES = [
    ("USD", "1234.5", "$1,234.50 USD", "US$1,234.50 USD"),
    ("EUR", "-1234.565", "-€1,234.57 EUR", "-€1,234.57 EUR"),
    ("JPY", "1234.5", "¥1,235 JPY", "¥1,235 JPY"),
    ("TWD", "1234567.891", "NT$1,234,567.89 TWD", "$1,234,567.89 TWD"),
    ("BHD", "1234.5675", "BHD1,234.568", "BHD1,234.568"),
]


@pytest.mark.parametrize(("currency", "amount", "english", "chinese"), CASES)
def test_money_in_english_and_traditional_chinese(currency, amount, english, chinese):
    with translation.override("en"):
        assert Money(amount, currency).format() == english
    with translation.override("zh-hant"):
        assert Money(amount, currency).format() == chinese
        rendered = Template("{% load portal_tags %}{{ a|money:c }}").render(
            Context({"a": Decimal(amount), "c": currency})
        )
        assert rendered == chinese


def test_each_currency_keeps_its_iso_4217_decimals():
    assert Money("1.5", "JPY").quantized() == Decimal("2")
    assert Money("1.5", "USD").quantized() == Decimal("1.50")
    assert Money("1.2345", "BHD").quantized() == Decimal("1.235")
    assert Money("1.2344", "KWD").quantized() == Decimal("1.234")


def test_dates_in_the_users_time_zone_and_locale():
    moment = datetime(2026, 11, 29, 20, 30, tzinfo=UTC)
    template = Template("{% load portal_tags %}{{ t|local_datetime }} | {{ t|local_date }}")
    with timezone.override(ZoneInfo("Asia/Taipei")):
        with translation.override("zh-hant"):
            text = template.render(Context({"t": moment}))
            assert text == "2026年11月30日 凌晨4:30:00 | 2026年11月30日"
        with translation.override("en"):
            text = template.render(Context({"t": moment}))
            assert text.replace("\u202f", " ") == "Nov 30, 2026, 4:30:00 AM | Nov 30, 2026"


def test_csv_stays_plain_in_traditional_chinese():
    columns = [
        Column("amount", lambda r: r["money"].quantized()),
        Column("date", lambda r: cell_date(r["day"])),
        Column("time", lambda r: cell_time(r["at"])),
    ]
    row = {
        "money": Money("1234567.8915", "BHD"),
        "day": date(2026, 11, 29),
        "at": datetime(2026, 11, 29, 20, 30, tzinfo=UTC),
    }
    with translation.override("zh-hant"), timezone.override(ZoneInfo("Asia/Taipei")):
        response = export_csv("t", columns, [row])
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    values = list(csv.reader(io.StringIO(body)))[1]
    assert values == ["1234567.892", "2026-11-29", "2026-11-29T20:30:00+00:00"]
