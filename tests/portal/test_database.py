"""The suite runs on SQLite and again on PostgreSQL (make pytest-postgres sets PORTAL_EXPECT_DB)."""

import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_running_on_the_expected_database():
    expected = os.environ.get("PORTAL_EXPECT_DB", "sqlite")
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1
