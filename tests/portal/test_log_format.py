"""Production log lines are JSON and carry each Partner Center call's fields at the top level."""

from __future__ import annotations

import json
import logging

from portal.log_format import PortalJsonFormatter
from portal.partner_center.client import get_client


def test_partner_center_calls_log_their_fields_as_json(sandbox, db, caplog):
    caplog.set_level(logging.INFO, logger="partnercenter")
    get_client().get_account_balance(correlation_id="0b6c7c36-1d61-4c4e-9d43-5a1a3c1f9e01")
    calls = [r for r in caplog.records if hasattr(r, "partnercenter")]
    assert calls
    line = PortalJsonFormatter().format(calls[-1])
    assert "\n" not in line
    record = json.loads(line)
    assert record["operation"] == "GET /v1/invoices/summary"
    assert record["status"] == 200
    assert record["attempt"] == 1
    assert isinstance(record["duration_ms"], int)
    assert record["MS-CorrelationId"] == "0b6c7c36-1d61-4c4e-9d43-5a1a3c1f9e01"
    assert len(record["MS-RequestId"]) == 36
    assert record["level"] == "INFO" and record["logger"] == "partnercenter"
    assert "timestamp" in record
