"""How long a worker owns a checkout it is sending: never shorter than the client's worst case,
or a sweep would take over a call still under way (and a dead worker's checkout waits that long)."""

from __future__ import annotations

from purchasing.conf import checkout_claim_seconds


def test_claim_outlasts_every_attempt_of_the_client(db, settings):
    settings.PARTNER_CENTER_TIMEOUT = 30
    settings.PARTNER_CENTER_MAX_RETRIES = 3
    assert checkout_claim_seconds() > 4 * 30  # four attempts that all time out


def test_claim_follows_a_faster_client(db, settings):
    settings.PARTNER_CENTER_TIMEOUT = 1
    settings.PARTNER_CENTER_MAX_RETRIES = 1
    assert 2 < checkout_claim_seconds() <= 60


def test_claim_can_be_set(db, settings):
    settings.PURCHASING_CHECKOUT_CLAIM_SECONDS = 12
    assert checkout_claim_seconds() == 12
