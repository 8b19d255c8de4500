"""The one counter type of every sync: sums and the user's sentence in each language."""

from django.utils import translation

from catalog.services.prices import PriceSheetResult
from portal.customers.services.sync import SyncResult
from portal.shared.sync_counts import SyncCounts


def test_counts_add_up_field_by_field():
    a = SyncCounts(created=1, updated=2, unchanged=3, gone=4, skipped=["x"])
    b = SyncCounts(created=10, updated=20, unchanged=30, gone=40, skipped=["y"])
    total = a + b
    assert (total.created, total.updated, total.unchanged, total.gone) == (11, 22, 33, 44)
    assert total.skipped == ["x", "y"]
    assert a.skipped == ["x"]  # the operands stay as they were


def test_a_subclass_adds_its_own_counters_and_stays_itself():
    total = SyncResult(created=1, reactivated=1) + SyncResult(created=2, unchanged=5)
    assert isinstance(total, SyncResult)
    assert (total.created, total.reactivated, total.seen) == (3, 1, 8)


def test_summary_in_english():
    counts = SyncCounts(created=2, updated=1, gone=3, skipped=["invoice G1 (name too long)", "b"])
    with translation.override("en"):
        assert counts.summary() == (
            "2 new, 1 updated, 3 no longer listed; 2 skipped: invoice G1 (name too long)"
        )
        assert str(SyncCounts()) == "0 new, 0 updated, 0 no longer listed"


def test_summary_in_traditional_chinese():
    counts = SyncCounts(created=2, updated=1, gone=3, skipped=["invoice G1"])
    with translation.override("zh-hant"):
        text = counts.summary()
    assert "new" not in text and "updated" not in text and "skipped" not in text
    assert "略過 1 筆" in text and text.endswith("invoice G1")
    assert "2" in text and "3" in text


def test_price_sheets_add_counters_and_keep_their_market():
    a = PriceSheetResult(market="US", view="software", rows=2, written=2, gone=1)
    total = a + PriceSheetResult(market="US", view="software", rows=3, skipped=["row 7"])
    assert (total.market, total.view, total.rows, total.written, total.gone) == (
        "US",
        "software",
        5,
        2,
        1,
    )
    with translation.override("en"):
        assert total.summary() == (
            "US software: 5 prices, 2 written, 1 no longer in the sheet, in 0.0 s; 1 skipped: row 7"
        )
