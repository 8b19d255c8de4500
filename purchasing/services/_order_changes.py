"""An order's field changes with their history, shared by the order services."""

from __future__ import annotations

from purchasing.models import Order, OrderEvent


def _set(order: Order, changes: dict, note: str = "") -> None:
    """Apply changed fields and keep their history."""
    events = []
    for name, value in changes.items():
        old = getattr(order, name)
        if old != value and name in ("status", "sync_state", "provisioning_status"):
            events.append(
                OrderEvent(
                    order=order, field=name, old_value=str(old), new_value=str(value), note=note
                )
            )
        setattr(order, name, value)
    OrderEvent.objects.bulk_create(events)
