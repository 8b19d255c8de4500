"""Carts (partner-center.md §4): create, update, get, checkout; line validation, order groups."""

from __future__ import annotations

import time
import uuid

from flask import Blueprint, g, jsonify

from partnercenter.sandbox import catalog
from partnercenter.sandbox.common import (
    ApiError,
    bad_request,
    billing_cycle,
    camel_keys,
    ci_get,
    iso,
    json_body,
    link,
    norm,
    not_found,
)
from partnercenter.sandbox.customers import AZURE_OFFERS, customer_or_403, registration_status
from partnercenter.sandbox.markets import market
from partnercenter.sandbox.orders import create_order, render_order
from partnercenter.sandbox.state import sandbox

bp = Blueprint("carts", __name__)

LEGACY_OFFERS = {"MS-AZR-0145P": "Microsoft Azure"}
GROUP_BY_CYCLE = {
    "one_time": "0",
    "monthly": "1",
    "none": "2",
    "annual": "3",
    "triennial": "4",
    "biennial": "5",
}
# Line error -> checkout error code (partner-center.md §1.8).
CHECKOUT_CODES = {10001: 800004, 10003: 800010, 10007: 800011, 10008: 800013, 10011: 800030}


def _line_error(code: int, description: str) -> dict:
    return {"errorCode": code, "errorDescription": description}


def resolve_line(customer: dict, original: dict, index: int) -> dict:
    """Validate one request line (any property casing) into a stored line; request-level problems raise.

    Returned line holds the camelCase wire fields plus ``error`` when the line has a problem.
    """
    if not isinstance(original, dict):
        raise bad_request(800002, f"Invalid request input: line item {index} is not an object.")
    raw = {str(k).lower(): v for k, v in original.items()}
    catalog_item_id = str(raw.get("catalogitemid") or raw.get("catalogid") or "").strip()
    if not catalog_item_id:
        raise bad_request(800002, f"Invalid request input: line item {index} has no catalogItemId.")
    try:
        quantity = int(raw.get("quantity"))
    except (TypeError, ValueError) as exc:
        raise bad_request(
            800002, f"Invalid request input: line item {index} has no valid quantity."
        ) from exc
    cycle = billing_cycle(raw.get("billingcycle"))
    if not cycle:
        raise bad_request(
            800002, f"Invalid request input: line item {index} has no valid billingCycle."
        )
    line_id = raw.get("id", index)
    country = customer["country"]
    line = {
        "id": int(line_id) if str(line_id).isdigit() else line_id,
        "catalogItemId": catalog_item_id, "quantity": quantity,
        "currencyCode": market(country).currency, "billingCycle": cycle,
    }  # fmt: skip
    _optional_fields(raw, line, index)

    if catalog_item_id.upper() in LEGACY_OFFERS:
        line["catalogItemId"] = catalog_item_id.upper()
        line["orderGroup"] = "OMS-0"
        return line
    parts = catalog_item_id.split(":")
    product = catalog.get_product(parts[0]) if len(parts) == 3 else None
    if product and not catalog.offered_in(product["_kind"], country):
        raise bad_request(800070, f"Offer {catalog_item_id} is not available in the specified country {country}.",
                          [catalog_item_id])  # fmt: skip
    line["orderGroup"] = GROUP_BY_CYCLE.get(cycle, "0")
    error = line_problem(customer, line)
    if error:
        line["error"] = error
    return line


def _optional_fields(raw: dict, line: dict, index: int) -> None:
    """Copy the request line's optional properties onto the stored line (wire casing)."""
    for key, wire in (("friendlyname", "friendlyName"), ("termduration", "termDuration"),
                      ("promotionid", "promotionId"), ("attestationaccepted", "attestationAccepted")):  # fmt: skip
        if raw.get(key) is not None:
            line[wire] = raw[key]
    if raw.get("renewsto"):
        line["renewsTo"] = (
            camel_keys(raw["renewsto"]) if isinstance(raw["renewsto"], dict) else raw["renewsto"]
        )
    if raw.get("participants"):
        line["participants"] = [camel_keys(p) for p in raw["participants"] if isinstance(p, dict)]
    context = raw.get("provisioningcontext") or {}
    if not isinstance(context, dict):
        raise bad_request(
            800002,
            f"Invalid request input: line item {index} provisioningContext must be an object.",
        )
    if context:
        line["provisioningContext"] = {k[:1].lower() + k[1:]: str(v) for k, v in context.items()}


def line_problem(customer: dict, line: dict) -> dict | None:
    """The CartError for a (syntactically valid) line, checked against catalog and customer state."""
    if line["catalogItemId"] in LEGACY_OFFERS:
        return None
    found = catalog.find_availability(line["catalogItemId"], customer["country"])
    if not found:
        return _line_error(10001, f"The catalog item ID {line['catalogItemId']} is not valid.")
    product, sku, _, scope = found
    cycle = line["billingCycle"]
    if cycle not in sku["supportedBillingCycles"]:
        return _line_error(10010, f"Billing cycle '{cycle}' is not supported; use one of "
                                  f"{', '.join(sku['supportedBillingCycles'])}.")  # fmt: skip
    qmin, qmax = sku["minimumQuantity"], sku["maximumQuantity"]
    if not qmin <= line["quantity"] <= qmax:
        return _line_error(10010, f"Quantity {line['quantity']} is out of range; it must be between "
                                  f"{qmin} and {qmax}.")  # fmt: skip
    terms = [t["duration"] for t in sku["_terms"]]
    if terms and norm(line.get("termDuration")) not in {norm(t) for t in terms}:
        return _line_error(10010, f"Term duration '{line.get('termDuration', '')}' is not valid; use one "
                                  f"of {', '.join(terms)}.")  # fmt: skip
    context = {k.lower(): v for k, v in (line.get("provisioningContext") or {}).items()}
    for var in sku["provisioningVariables"]:
        if not context.get(var.lower()):
            return _line_error(10010, f"The provisioning context is missing the required key "
                                      f"'{var[:1].lower() + var[1:]}'.")  # fmt: skip
    if "scope" in context and norm(context["scope"]) not in ("single", "shared"):
        return _line_error(
            10010, f"Scope '{context['scope']}' is not valid; use 'single' or 'shared'."
        )
    if "AzureSubscriptionRegistration" in sku["purchasePrerequisites"]:
        sid = context.get("subscriptionid", "")
        sub = sandbox().store.get_ci("subscription", sid)
        if not sub or sub["customerId"] != customer["id"]:
            return _line_error(
                10007, f"Subscription {sid} is not a valid subscription of the customer."
            )
        if sub["_kind"] not in AZURE_OFFERS or sub["status"] != "active":
            return _line_error(
                10008, f"Subscription {sid} is not enabled for reserved instance purchases."
            )
        scope_error = _scope_problem(scope, sub)
        if scope_error:
            return scope_error
        if registration_status(sub["id"]) != "Registered":
            return _line_error(
                10011, f"Subscription {sid} is not registered for reserved instance purchases."
            )
    inventory_context = {
        "customerid": customer["id"],
        "azuresubscriptionid": context.get("subscriptionid", ""),
    }
    restrictions = catalog.restriction_for(product, sku, inventory_context)
    if restrictions:
        return _line_error(10003, f"Inventory is not available: {restrictions[0]['description']}")
    return None


def _scope_problem(scope: str, sub: dict) -> dict | None:
    """Reservation items of the Azure plan catalog fit Azure plans only; the others (no
    reservationScope) fit MS-AZR-0145P subscriptions only (SubscriptionIsNotEnabledForRI)."""
    wanted = "azure_plan" if scope == "AzurePlan" else "azure_legacy"
    if sub["_kind"] == wanted:
        return None
    if wanted == "azure_plan":
        return _line_error(10008, f"Subscription {sub['id']} is not an Azure plan; this catalog item "
                                  "(reservationScope AzurePlan) can only be bought for an Azure plan.")  # fmt: skip
    return _line_error(10008, f"Subscription {sub['id']} is an Azure plan; this catalog item is for "
                              "MS-AZR-0145P subscriptions. Use the item listed with reservationScope "
                              "AzurePlan.")  # fmt: skip


def _lines_from(body) -> list:
    lines = ci_get(body, "lineItems") if isinstance(body, dict) else None
    if not isinstance(lines, list) or not lines:
        raise bad_request(800002, "Invalid request input: 'lineItems' must hold at least one item.")
    return lines


def render_cart(cart: dict) -> dict:
    lines = [{k: v for k, v in line.items() if not k.startswith("_")} for line in cart["lineItems"]]
    return {
        "id": cart["id"], "creationTimestamp": iso(cart["created"]),
        "lastModifiedTimestamp": iso(cart["modified"]), "expirationTimestamp": iso(cart["expires"]),
        "lastModifiedUser": cart["lastModifiedUser"], "status": cart["status"], "lineItems": lines,
        "links": {"self": link(f"/customers/{cart['customerId']}/carts/{cart['id']}")},
        "attributes": {"objectType": "Cart"},
    }  # fmt: skip


def cart_or_404(customer: dict, cart_id: str) -> dict:
    sb = sandbox()
    cart = sb.store.get_ci("cart", cart_id)
    if (
        not cart
        or cart["customerId"] != customer["id"]
        or (cart["status"] == "Active" and cart["expires"] <= sb.now())
    ):
        raise not_found(800008, f"Cart ID {cart_id} could not be retrieved.")
    return cart


def _actor() -> str:
    claims = g.get("claims") or {}
    return claims.get("oid") or str(uuid.UUID(int=0))


@bp.post("/v1/customers/<customer_id>/carts")
def cart_create(customer_id):
    sb = sandbox()
    customer = customer_or_403(customer_id)
    lines = [resolve_line(customer, raw, i) for i, raw in enumerate(_lines_from(json_body()))]
    now = sb.now()
    cart = {
        "id": str(uuid.uuid4()), "customerId": customer["id"], "created": now, "modified": now,
        "expires": now + sb.settings.cart_ttl, "lastModifiedUser": _actor(), "status": "Active",
        "lineItems": lines,
    }  # fmt: skip
    sb.store.put("cart", cart["id"], cart, parent=customer["id"], created=now)
    return jsonify(render_cart(cart)), 201


@bp.put("/v1/customers/<customer_id>/carts/<cart_id>")
def cart_update(customer_id, cart_id):
    sb = sandbox()
    customer = customer_or_403(customer_id)
    lines_raw = _lines_from(json_body())
    with sb.lock:
        cart = cart_or_404(customer, cart_id)
        if cart["id"] in sb.carts_in_checkout:
            raise ApiError(409, 800064, f"Cart {cart['id']} is being processed by another request.")
        if cart["status"] == "Ordered":
            raise bad_request(
                800065, f"Cannot update cart {cart['id']}: it has already been submitted."
            )
        cart["lineItems"] = [resolve_line(customer, raw, i) for i, raw in enumerate(lines_raw)]
        now = sb.now()
        cart.update(modified=now, expires=now + sb.settings.cart_ttl, lastModifiedUser=_actor())
        sb.store.put("cart", cart["id"], cart, parent=customer["id"])
    return jsonify(render_cart(cart)), 201


@bp.get("/v1/customers/<customer_id>/carts/<cart_id>")
def cart_get(customer_id, cart_id):
    return jsonify(render_cart(cart_or_404(customer_or_403(customer_id), cart_id)))


@bp.post("/v1/customers/<customer_id>/carts/<cart_id>/checkout")
def cart_checkout(customer_id, cart_id):
    sb = sandbox()
    customer = customer_or_403(customer_id)
    with sb.lock:
        cart = cart_or_404(customer, cart_id)
        if cart["status"] == "Ordered":
            raise bad_request(800065, f"Cannot check out an already submitted cart {cart['id']}.")
        if cart["id"] in sb.carts_in_checkout:
            raise ApiError(409, 800064, f"Cart {cart['id']} is being processed by another request.")
        sb.carts_in_checkout.add(cart["id"])
    try:
        if sb.settings.checkout_processing_delay:
            time.sleep(sb.settings.checkout_processing_delay)
        return _checkout(customer, cart)
    finally:
        with sb.lock:
            sb.carts_in_checkout.discard(cart["id"])


def _checkout(customer: dict, cart: dict):
    sb = sandbox()
    problems = []
    for line in cart["lineItems"]:
        line.pop("error", None)
        error = line_problem(customer, line)
        if error:
            line["error"] = error
            problems.append({"lineItemId": line["id"], **error})
    if problems:
        sb.store.put("cart", cart["id"], cart, parent=customer["id"])
        first = problems[0]["errorCode"]
        code = CHECKOUT_CODES.get(first, 800009)
        raise bad_request(
            code, f"Error in cart item(s): {problems[0]['errorDescription']}", problems
        )
    groups: dict[str, list[dict]] = {}
    for line in cart["lineItems"]:
        groups.setdefault(line["orderGroup"], []).append(line)
    orders, errors = [], []
    for group_id, lines in groups.items():
        if _group_fails(lines):
            errors.append({"orderGroupId": group_id, "code": 800005,
                           "description": "Create order was not successful."})  # fmt: skip
            continue
        resolved = []
        for line in lines:
            item = dict(line)
            found = catalog.find_availability(line["catalogItemId"], customer["country"])
            item["_product"], item["_sku"] = (found[0], found[1]) if found else (None, None)
            resolved.append(item)
        order = create_order(customer, resolved, lines[0]["billingCycle"], cart_id=cart["id"],
                             legacy=group_id.startswith("OMS"))  # fmt: skip
        orders.append(render_order(order))
    if orders:
        cart["status"] = "Ordered"
        sb.store.put("cart", cart["id"], cart, parent=customer["id"])
        sb.count(sb.checkouts, cart["id"])
    result = {
        "orders": orders,
        "orderErrors": errors,
        "attributes": {"objectType": "CartCheckoutResult"},
    }
    return jsonify(result), 201


def _group_fails(lines: list[dict]) -> bool:
    sb = sandbox()
    for line in lines:
        cid = line["catalogItemId"].lower()
        for pattern in sb.settings.failing_catalog_items:
            if cid == pattern.lower() or cid.startswith(pattern.lower() + ":"):
                return True
    probability = sb.settings.order_failure_probability
    return bool(probability) and sb.rng.random() < probability
