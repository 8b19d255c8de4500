"""The soak's self-test switch: breaks the portal on purpose, so that the soak is seen to fail.

The switch is ``PORTAL_SOAK_BREAK`` (set from the start) or the file ``<PORTAL_SOAK_DIR>/break``
(thrown mid-run by the harness); it is read only here, by the soak's processes (harness and
workers), which install the wrapper below. Modes:

- ``fresh_cart``: when a checkout's answer is lost, or the portal checks out a cart again, it
  retries on a new Partner Center cart with a new MS-RequestId (buys twice);
- ``drop_result``: when a checkout's answer is lost, the portal is told the cart is gone, drops
  the outcome and shows the checkout as failed (loses what Partner Center bought).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

ENV = "PORTAL_SOAK_BREAK"
MODES = ("fresh_cart", "drop_result")


def _folder() -> Path:
    return Path(os.environ["PORTAL_SOAK_DIR"])


def mode() -> str:
    """The break in force now ("" when the portal is left alone)."""
    switch = _folder() / "break"
    chosen = os.environ.get(ENV, "") or (switch.read_text().strip() if switch.exists() else "")
    if chosen and chosen not in MODES:
        raise RuntimeError(f"{ENV} must be one of {', '.join(MODES)} (got {chosen!r})")
    return chosen


def throw(chosen: str) -> None:
    """Break the portal from now on, in every soak process."""
    if chosen not in MODES:
        raise ValueError(f"unknown break {chosen!r}")
    (_folder() / "break").write_text(chosen)


def _first_time(request_id: str) -> bool:
    """True the first time any soak process checks out with this MS-RequestId."""
    folder = _folder() / "checkout-request-ids"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(folder / request_id, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def install() -> None:
    """Wrap ``Client.checkout_cart`` so that it misbehaves while a break is in force."""
    from partnercenter import errors
    from partnercenter.client import Client

    original = Client.checkout_cart
    if getattr(original, "soak_wrapped", False):
        return

    def on_a_new_cart(client, customer_id, cart_id):
        cart = client.get_cart(customer_id, cart_id)
        fresh = client.create_cart(customer_id, list(cart.line_items))
        return original(client, customer_id, fresh.id, request_id=str(uuid.uuid4()))

    def checkout_cart(self, customer_id, cart_id, *, request_id, correlation_id=None):
        chosen = mode()
        first = _first_time(request_id)
        if chosen == "fresh_cart" and not first:
            return on_a_new_cart(self, customer_id, cart_id)
        try:
            return original(
                self, customer_id, cart_id, request_id=request_id, correlation_id=correlation_id
            )
        except errors.ValidationError:
            raise
        except errors.PartnerCenterError as exc:
            if chosen == "fresh_cart":
                return on_a_new_cart(self, customer_id, cart_id)
            if chosen == "drop_result":
                raise errors.NotFound(f"answer dropped: {exc}", status=404) from exc
            raise

    checkout_cart.soak_wrapped = True
    Client.checkout_cart = checkout_cart
