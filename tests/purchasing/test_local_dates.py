"""Dates on pages read in the user's time zone and the reader's locale: a notification sent at
20:30 UTC on 28 November shows as the 29th, 4:30 in the morning, for a user in Taipei."""

from datetime import UTC, datetime

import pytest

from purchasing.models import Notification

ZH = {"accept-language": "zh-TW,zh;q=0.9"}
EN = {"accept-language": "en-US,en"}


@pytest.mark.django_db
def test_notification_time_in_users_zone_and_locale(sales_client, sales_user):
    note = Notification.objects.create(recipient=sales_user, message="Budget alert", url="")
    Notification.objects.filter(pk=note.pk).update(
        created_at=datetime(2026, 11, 28, 20, 30, tzinfo=UTC)
    )
    session = sales_client.session
    session["time_zone"] = "Asia/Taipei"
    session.save()

    english = sales_client.get("/notifications/", headers=EN).content.decode()
    assert "Nov 29, 2026, 4:30:00\u202fAM" in english
    chinese = sales_client.get("/notifications/", headers=ZH).content.decode()
    assert "2026年11月29日 凌晨4:30:00" in chinese
    for page in (english, chinese):
        assert "2026-11-28 20:30" not in page and "2026-11-29 04:30" not in page
