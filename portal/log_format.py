"""JSON log lines for production (``LOG_FORMAT=json``): one object per line on stdout.

Partner Center calls are logged by ``partnercenter.http`` with their fields under the
``partnercenter`` extra; here they become top-level keys that a log search can filter on:
``operation``, ``status``, ``attempt``, ``duration_ms``, ``MS-RequestId``, ``MS-CorrelationId``.
"""

from __future__ import annotations

import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter


class PortalJsonFormatter(JsonFormatter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("timestamp", True)
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__("%(levelname)s %(name)s %(message)s", *args, **kwargs)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        call = log_data.pop("partnercenter", None)
        if isinstance(call, dict):
            log_data.update(
                {
                    "operation": f"{call.get('method')} {call.get('path')}",
                    "status": call.get("status"),
                    "attempt": call.get("attempt"),
                    "duration_ms": call.get("duration_ms"),
                    "MS-RequestId": call.get("request_id"),
                    "MS-CorrelationId": call.get("correlation_id"),
                }
            )
            if call.get("error"):
                log_data["error"] = call["error"]
