"""Orders, entitlements and reservation details (partner-center.md §5, §6): creation from
checked-out carts, reads.

Statuses are derived from the sandbox clock: one-time orders are ``pending`` until
``_completesAt``; every order appears in the customer's order lists only from ``_listedAt``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from flask import Blueprint, jsonify

from partnercenter.sandbox.auth import user_only
from partnercenter.sandbox.common import (
    arg,
    bad_request,
    billing_cycle,
    collection,
    iso,
    iso_day,
    link,
    new_order_id,
    norm,
    not_found,
    stable_uuid,
)
from partnercenter.sandbox.customers import customer_or_403
from partnercenter.sandbox.markets import market
from partnercenter.sandbox.state import sandbox

bp = Blueprint("orders", __name__)

RESERVATION = {"ri_vm", "ri_sql", "ri_cosmos", "ri_other"}
SOFTWARE = {"perpetual", "softsub", "suse"}
YEARS = {"P1Y": 1, "P3Y": 3, "1year": 1, "3year": 3, "3years": 3}


def create_order(
    customer: dict, lines: list[dict], cycle: str, *, cart_id=None, legacy=False
) -> dict:
    """Persist an order for resolved cart lines and create the subscriptions it provisions.

    Each line: ``{catalogItemId, quantity, termDuration?, provisioningContext?, friendlyName?,
    partnerIdOnRecord?, _product, _sku}`` (``_product``/``_sku`` None for legacy offers).
    """
    sb = sandbox()
    now = sb.now()
    settings = sb.settings
    if legacy:
        order_id = str(uuid.uuid4())
        alternate = order_id
    else:
        order_id, alternate = new_order_id()
    completes = now + (settings.order_completion_delay if cycle == "one_time" else 0)
    m = market(customer["country"])
    order_lines = []
    with sb.store.transaction():
        for n, line in enumerate(lines):
            product, sku = line.get("_product"), line.get("_sku")
            item = {
                "lineItemNumber": n, "offerId": line["catalogItemId"],
                "termDuration": line.get("termDuration"), "transactionType": "New",
                "friendlyName": line.get("friendlyName") or (sku["title"] if sku else "Microsoft Azure"),
                "quantity": line["quantity"],
                "_productId": product["id"] if product else None,
                "_skuId": sku["id"] if sku else None,
                "_kind": product["_kind"] if product else "azure_legacy",
                "_price": sku["_price"] if sku else "0",
            }  # fmt: skip
            for key in ("provisioningContext", "partnerIdOnRecord"):
                if line.get(key):
                    item[key] = line[key]
            if item["_kind"] in ("nce", "azure", "azure_legacy"):
                item["subscriptionId"] = _create_subscription(customer, item, order_id, cycle, now)
            elif item["_kind"] == "softsub":
                _create_software_subscription(customer, item, order_id, n, completes)
            order_lines.append({k: v for k, v in item.items() if v is not None})
        order = {
            "id": order_id, "alternateId": alternate, "referenceCustomerId": customer["id"],
            "billingCycle": cycle, "currencyCode": m.currency, "currencySymbol": m.symbol,
            "lineItems": order_lines, "creationDate": now, "transactionType": "UserPurchase",
            "_cartId": cart_id, "_listedAt": now + settings.order_list_delay,
            "_completesAt": completes, "_invoiced": None, "_country": customer["country"],
        }  # fmt: skip
        sb.store.put("order", order_id, order, parent=customer["id"], created=now)
    return order


def _create_subscription(customer: dict, item: dict, order_id: str, cycle: str, now: float) -> str:
    sid = str(uuid.uuid4()).upper() if item["_kind"] == "azure_legacy" else str(uuid.uuid4())
    kind = {"nce": "license", "azure": "azure_plan"}.get(item["_kind"], item["_kind"])
    years = YEARS.get(item.get("termDuration") or "", 0)
    sub = {
        "id": sid, "customerId": customer["id"], "entitlementId": str(uuid.uuid4()),
        "offerId": item["offerId"], "offerName": item["friendlyName"], "friendlyName": item["friendlyName"],
        "quantity": item["quantity"],
        "unitType": "Licenses" if kind == "license" else "Usage-based",
        "creationDate": now, "effectiveStartDate": now,
        "commitmentEndDate": now + (years * 365 if years else 30 if kind == "license" else 3_000_000) * 86400,
        "status": "active", "autoRenewEnabled": kind == "license",
        "billingType": "license" if kind == "license" else "usage", "billingCycle": cycle,
        "contractType": "subscription", "orderId": order_id, "isTrial": False,
        "_kind": kind, "_country": customer["country"],
    }  # fmt: skip
    if item.get("termDuration"):
        sub["termDuration"] = item["termDuration"]
    sandbox().store.put("subscription", sid, sub, parent=customer["id"], created=now)
    return sid


def _create_software_subscription(
    customer: dict, item: dict, order_id: str, n: int, completes: float
) -> None:
    """A software subscription exists once its order is fulfilled (the order line names it then)
    and reports ``pending`` provisioning until ``subscription_provisioning_delay`` later."""
    sid = stable_uuid("subscription", order_id, n)
    years = YEARS.get(item.get("termDuration") or "", 1)
    sandbox().store.put("subscription", sid, {
        "id": sid, "customerId": customer["id"], "entitlementId": str(uuid.uuid4()),
        "offerId": item["offerId"], "offerName": item["friendlyName"],
        "friendlyName": item["friendlyName"], "quantity": item["quantity"], "unitType": "Licenses",
        "creationDate": completes, "effectiveStartDate": completes,
        "commitmentEndDate": completes + years * 365 * 86400, "status": "active",
        "autoRenewEnabled": False, "billingType": "license", "billingCycle": "one_time",
        "contractType": "subscription", "orderId": order_id, "isTrial": False,
        "termDuration": item.get("termDuration"), "_kind": "software_subscription",
        "_country": customer["country"],
        "_provisionedAt": completes + sandbox().settings.subscription_provisioning_delay,
    }, parent=customer["id"], created=completes)  # fmt: skip


def order_status(order: dict) -> str:
    return "completed" if order["_completesAt"] <= sandbox().now() else "pending"


def render_order(order: dict) -> dict:
    cid, oid, country = order["referenceCustomerId"], order["id"], order["_country"]
    done = order_status(order) == "completed"
    lines = []
    for line in order["lineItems"]:
        out = {k: v for k, v in line.items() if not k.startswith("_")}
        links = {}
        if line.get("_productId"):
            p, s = line["_productId"], line["_skuId"]
            a = line["offerId"].split(":")[-1]
            links = {
                "product": link(f"/products/{p}?country={country}"),
                "sku": link(f"/products/{p}/skus/{s}?country={country}"),
                "availability": link(
                    f"/products/{p}/skus/{s}/availabilities/{a}?country={country}"
                ),
            }
        if done and "subscriptionId" not in out and line["_kind"] in SOFTWARE | RESERVATION:
            out["subscriptionId"] = stable_uuid("subscription", oid, line["lineItemNumber"])
        if out.get("subscriptionId"):
            links["subscription"] = link(f"/customers/{cid}/subscriptions/{out['subscriptionId']}")
        out["links"] = links
        lines.append(out)
    return {
        "id": oid, "alternateId": order["alternateId"], "referenceCustomerId": cid,
        "billingCycle": order["billingCycle"], "transactionType": order["transactionType"],
        "currencyCode": order["currencyCode"], "currencySymbol": order["currencySymbol"],
        "lineItems": lines, "creationDate": iso(order["creationDate"]), "status": order_status(order),
        "links": {
            "provisioningStatus": link(f"/customers/{cid}/orders/{oid}/provisioningstatus"),
            "self": link(f"/customers/{cid}/orders/{oid}"),
        },
        "attributes": {"objectType": "Order"},
    }  # fmt: skip


def order_or_404(customer: dict, order_id: str) -> dict:
    order = sandbox().store.get("order", order_id)
    if not order or order["referenceCustomerId"] != customer["id"]:
        raise not_found(20000, f"Order ID {order_id} not found.")
    return order


def with_price(rendered: dict, order: dict) -> dict:
    """``include_price=true``: per-line pricing and the order total, in the billing currency."""
    rate = market(order["_country"]).usd_rate
    total = Decimal(0)
    for out, line in zip(rendered["lineItems"], order["lineItems"], strict=True):
        unit = (Decimal(line["_price"]) * rate).quantize(Decimal("0.01"))
        extended = unit * line["quantity"]
        total += extended
        out["pricing"] = {
            "listPrice": float(unit),
            "price": float(unit),
            "extendedPrice": float(extended),
        }
    rendered["totalPrice"] = float(total)
    return rendered


@bp.get("/v1/customers/<customer_id>/orders")
def orders_list(customer_id):
    sb = sandbox()
    customer = customer_or_403(customer_id)
    wanted = arg("billingType")
    cycle = None
    if wanted is not None:
        cycle = billing_cycle(wanted)
        if not cycle:
            raise bad_request(800002, f"Invalid request input: unknown billingType '{wanted}'.")
    now = sb.now()
    include_price = norm(arg("include_price")) == "true"
    items = []
    for order in sb.store.list("order", parent=customer["id"]):
        if order["_listedAt"] > now or (cycle and order["billingCycle"] != cycle):
            continue
        rendered = render_order(order)
        items.append(with_price(rendered, order) if include_price else rendered)
    uri = f"/customers/{customer['id']}/orders" + (f"?billingType={wanted}" if wanted else "")
    return jsonify(collection(items, uri))


@bp.get("/v1/customers/<customer_id>/orders/<order_id>")
def order_get(customer_id, order_id):
    order = order_or_404(customer_or_403(customer_id), order_id)
    rendered = render_order(order)
    return jsonify(
        with_price(rendered, order) if norm(arg("include_price")) == "true" else rendered
    )


@bp.get("/v1/customers/<customer_id>/orders/<order_id>/provisioningstatus")
@user_only
def order_provisioning(customer_id, order_id):
    order = order_or_404(customer_or_403(customer_id), order_id)
    status = "fulfilled" if order_status(order) == "completed" else "prefulfillment_pending"
    items = [
        {"orderLineItemId": line["lineItemNumber"], "lineItemNumber": line["lineItemNumber"],
         "status": status,
         "quantityProvisioningInformation": [{"quantity": line["quantity"], "status": status}]}
        for line in order["lineItems"]
    ]  # fmt: skip
    return jsonify(
        collection(
            items,
            f"/customers/{order['referenceCustomerId']}/orders/{order['id']}/provisioningstatus",
        )
    )


# -- entitlements ----------------------------------------------------------------------------------
def _ri_ids(order: dict, n: int) -> tuple[str, str, str]:
    return (
        stable_uuid("ri-group", order["id"]),
        stable_uuid("ri-line", order["id"], n),
        stable_uuid("ri-order", order["id"], n),
    )


def _expiry(order: dict, line: dict) -> float | None:
    years = YEARS.get(norm(line.get("termDuration")).upper() if line.get("termDuration") else "", 0)
    if not years:
        duration = norm((line.get("provisioningContext") or {}).get("duration"))
        years = YEARS.get(duration, 0)
    return order["creationDate"] + years * 365 * 86400 if years else None


def entitlements_for(customer: dict, kind_filter: str | None, show_expiry: bool) -> list[dict]:
    out = []
    for order in sandbox().store.list("order", parent=customer["id"]):
        if order["billingCycle"] != "one_time" or order_status(order) != "completed":
            continue
        for line in order["lineItems"]:
            kind = line["_kind"]
            etype = (
                "reservedinstance"
                if kind in RESERVATION
                else "software"
                if kind in SOFTWARE
                else None
            )
            if not etype:
                continue
            if kind_filter == "virtualmachinereservedinstance":
                if kind != "ri_vm":
                    continue
            elif kind_filter and kind_filter != etype:
                continue
            n = line["lineItemNumber"]
            ent = {
                "includedEntitlements": [],
                "referenceOrder": {"id": order["id"], "lineItemId": str(n), "alternateId": order["alternateId"]},
                "productId": line["_productId"], "skuId": line["_skuId"], "quantity": line["quantity"],
                "quantityDetails": [{"quantity": line["quantity"], "status": "Active"}],
                "entitlementType": etype, "fulfillmentState": "Fulfilled", "entitledArtifacts": [],
            }  # fmt: skip
            if etype == "reservedinstance":
                group, line_id, resource = _ri_ids(order, n)
                ent["entitledArtifacts"].append({
                    "artifactType": "reservedinstance", "resourceId": resource,
                    "link": link(f"/customers/{customer['id']}/artifacts/reservedinstance/groups/"
                                 f"{group}/lineitems/{line_id}/resource/{resource}"),
                    "dynamicAttributes": {"reservationType": _reservation_type(kind)},
                })  # fmt: skip
            expiry = _expiry(order, line)
            if show_expiry and expiry:
                ent["expiryDate"] = iso_day(expiry)
            out.append(ent)
    return out


def _reservation_type(kind: str) -> str:
    return {"ri_vm": "virtualmachines", "ri_sql": "sqldatabases", "ri_cosmos": "cosmosdb"}.get(
        kind, "reservedinstance"
    )


@bp.get("/v1/customers/<customer_id>/entitlements")
@user_only
def entitlements_list(customer_id):
    customer = customer_or_403(customer_id)
    wanted = norm(arg("entitlementType")) or None
    if wanted not in (None, "software", "reservedinstance", "virtualmachinereservedinstance"):
        raise bad_request(
            800002, f"Invalid request input: unknown entitlementType '{arg('entitlementType')}'."
        )
    show_expiry = norm(arg("showExpiry")) == "true"
    items = entitlements_for(customer, wanted, show_expiry)
    return jsonify(collection(items, f"/customers/{customer['id']}/entitlements"))


@bp.get(
    "/v1/customers/<customer_id>/artifacts/<artifact_type>/groups/<group>/lineitems/<line_id>/resource/<resource>"
)
@user_only
def reservation_details(customer_id, artifact_type, group, line_id, resource):
    customer = customer_or_403(customer_id)
    if norm(artifact_type) not in ("reservedinstance", "virtualmachinereservedinstance"):
        raise not_found(1000, f"Artifact type '{artifact_type}' was not found.")
    for order in sandbox().store.list("order", parent=customer["id"]):
        if order_status(order) != "completed":
            continue
        for line in order["lineItems"]:
            ids = _ri_ids(order, line["lineItemNumber"])
            if line["_kind"] in RESERVATION and ids == (
                group.lower(),
                line_id.lower(),
                resource.lower(),
            ):
                context = {k.lower(): v for k, v in (line.get("provisioningContext") or {}).items()}
                scope = "Single" if norm(context.get("scope")) == "single" else "Shared"
                reservation = {
                    "reservationId": stable_uuid("reservation", resource),
                    "displayName": f"{line['friendlyName']} ({order['alternateId']})",
                    "scopeType": scope, "quantity": line["quantity"],
                    "expiryDateTime": iso_day(_expiry(order, line) or order["creationDate"]),
                    "effectiveDateTime": iso(order["creationDate"]), "provisioningState": "Succeeded",
                }  # fmt: skip
                if scope == "Single":
                    reservation["appliedScopes"] = [
                        f"/subscriptions/{context.get('subscriptionid', '')}"
                    ]
                return jsonify({
                    "type": "reservedinstance", "reservations": [reservation],
                    "attributes": {"objectType": "ReservedInstanceArtifactDetails"},
                })  # fmt: skip
    raise not_found(1000, f"Reservation resource '{resource}' was not found.")
