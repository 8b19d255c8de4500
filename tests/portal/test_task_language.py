"""A queued task runs in the language of the person who queued it: the progress and error texts
it stores (shown later on pages) read in that language."""

import time

import pytest
from django.utils import translation

from portal.customers.services.sync import CUSTOMERS_KIND, customer_sync_enqueue
from portal.models import SyncState

pytestmark = pytest.mark.django_db(transaction=True)


def _finished_state(timeout: float = 30.0) -> SyncState:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = SyncState.objects.filter(kind=CUSTOMERS_KIND).first()
        if state and not state.running and state.last_error:
            return state
        time.sleep(0.1)
    raise AssertionError("the customer sync task did not finish")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hant", "讀取客戶時"), ("en", "while reading customers")],
)
def test_task_texts_follow_the_language_that_queued_them(
    language, expected, celery_worker, settings, closed_port, admin_user
):
    settings.PARTNER_CENTER_API_URL = f"http://127.0.0.1:{closed_port}"
    settings.PARTNER_CENTER_AUTHORITY = f"{settings.PARTNER_CENTER_API_URL}/tenant"
    settings.PARTNER_CENTER_MAX_RETRIES = 0
    settings.PARTNER_CENTER_TIMEOUT = 1
    with translation.override(language):
        customer_sync_enqueue(actor=admin_user)
    state = _finished_state()
    assert expected in state.last_error, state.last_error
