"""Customers, their subscriptions, and subscription registration for Azure reservations
(partner-center.md §2)."""

from __future__ import annotations

import base64
import json

from flask import Blueprint, Response, jsonify

from partnercenter.sandbox.auth import user_only
from partnercenter.sandbox.common import (
    ApiError,
    bad_request,
    collection,
    iso,
    iso_day,
    link,
    not_found,
    page_size,
    read_seek_token,
    seek_next_link,
    seek_token,
)
from partnercenter.sandbox.state import sandbox

bp = Blueprint("customers", __name__)

AZURE_OFFERS = {"azure_legacy", "azure_plan"}


def customer_or_403(customer_id: str) -> dict:
    """The customer, or 403/20002 like Partner Center for a tenant the partner has no relationship with."""
    customer = sandbox().store.get_ci("customer", customer_id)
    if not customer:
        raise ApiError(
            403, 20002, f"Partner has no commerce relationship with customer '{customer_id}'."
        )
    return customer


def subscription_or_404(customer: dict, subscription_id: str) -> dict:
    sub = sandbox().store.get_ci("subscription", subscription_id)
    if not sub or sub["customerId"] != customer["id"]:
        raise not_found(20003, f"Subscription {subscription_id} not found.")
    return sub


def registration_status(subscription_id: str) -> str:
    sb = sandbox()
    reg = sb.store.get_ci("registration", subscription_id)
    if not reg:
        return "NotRegistered"
    return "Registered" if reg["registeredAt"] <= sb.now() else "Registering"


def _etag(doc: dict) -> str:
    raw = json.dumps({"id": doc["id"].lower(), "version": doc.get("_version", 1)})
    return base64.b64encode(raw.encode()).decode()


def render_customer(c: dict) -> dict:
    cid = c["id"]
    address = {
        "country": c["country"], "region": c.get("region", ""), "city": c["city"],
        "addressLine1": c["addressLine1"], "postalCode": c["postalCode"], "phoneNumber": c["phone"],
    }  # fmt: skip
    return {
        "id": cid,
        "commerceId": c["commerceId"],
        "companyProfile": {
            "tenantId": cid, "domain": c["domain"], "companyName": c["companyName"],
            "address": address, "email": c["email"],
            "links": {"self": link(f"/customers/{cid}/profiles/company")},
            "attributes": {"objectType": "CustomerCompanyProfile"},
        },
        "billingProfile": {
            "id": c["billingProfileId"], "firstName": c["firstName"], "lastName": c["lastName"],
            "email": c["email"], "culture": c["culture"], "language": c["culture"][:2],
            "companyName": c["companyName"],
            "defaultAddress": {
                "country": c["country"], "city": c["city"], "state": c.get("region", ""),
                "addressLine1": c["addressLine1"], "postalCode": c["postalCode"],
                "firstName": c["firstName"], "lastName": c["lastName"], "phoneNumber": c["phone"],
            },
            "links": {"self": link(f"/customers/{cid}/profiles/billing")},
            "attributes": {"etag": _etag(c), "objectType": "CustomerBillingProfile"},
        },
        "relationshipToPartner": "reseller",
        "allowDelegatedAccess": True,
        "customDomains": [c["domain"]],
        "links": {"self": link(f"/customers/{cid}")},
        "attributes": {"objectType": "Customer"},
    }  # fmt: skip


def render_subscription(s: dict) -> dict:
    cid, sid = s["customerId"], s["id"]
    out = {k: v for k, v in s.items() if not k.startswith("_") and k != "customerId"}
    for key in ("creationDate", "effectiveStartDate", "commitmentEndDate"):
        out[key] = iso(s[key]) if key == "creationDate" else iso_day(s[key])
    offer_link = (
        f"/products/{s['offerId'].split(':')[0]}?country={s['_country']}"
        if ":" in s["offerId"]
        else f"/offers/{s['offerId']}?country={s['_country']}"
    )
    out["links"] = {
        "offer": link(offer_link),
        "self": link(f"/customers/{cid}/subscriptions/{sid}"),
    }
    out["attributes"] = {"etag": _etag(s), "objectType": "Subscription"}
    return out


@bp.get("/v1/customers")
def customers_list():
    sb = sandbox()
    size = page_size(200, 500)
    offset = read_seek_token("customers")
    customers = sb.store.list("customer")
    page = customers[offset : offset + size]
    extra = {}
    if offset + size < len(customers):
        token = seek_token("customers", offset + size)
        extra = {
            "continuationToken": token,
            "next": seek_next_link(f"/customers?size={size}", token),
        }
    return jsonify(
        collection([render_customer(c) for c in page], f"/customers?size={size}", **extra)
    )


@bp.get("/v1/customers/<customer_id>")
def customer_get(customer_id):
    customer = sandbox().store.get_ci("customer", customer_id)
    if not customer:
        raise not_found(1000, f"Customer '{customer_id}' was not found.")
    return jsonify(render_customer(customer))


@bp.get("/v1/customers/<customer_id>/subscriptions")
def subscriptions_list(customer_id):
    customer = customer_or_403(customer_id)
    subs = sandbox().store.list("subscription", parent=customer["id"])
    now = sandbox().now()  # a software subscription exists once its order is fulfilled
    items = [render_subscription(s) for s in subs if s["creationDate"] <= now]
    return jsonify(collection(items, f"/customers/{customer['id']}/subscriptions"))


@bp.get("/v1/customers/<customer_id>/subscriptions/<subscription_id>")
def subscription_get(customer_id, subscription_id):
    customer = customer_or_403(customer_id)
    return jsonify(render_subscription(subscription_or_404(customer, subscription_id)))


@bp.post("/v1/customers/<customer_id>/subscriptions/<subscription_id>/registrations")
def register(customer_id, subscription_id):
    sb = sandbox()
    customer = customer_or_403(customer_id)
    sub = subscription_or_404(customer, subscription_id)
    if sub["_kind"] not in AZURE_OFFERS:
        raise bad_request(800011, f"Subscription {sub['id']} is not a valid Azure subscription.")
    if sub["status"] != "active":
        raise bad_request(800012, f"Subscription {sub['id']} is not active.")
    with sb.store.transaction():
        if not sb.store.get("registration", sub["id"]):
            now = sb.now()
            reg = {"requestedAt": now, "registeredAt": now + sb.settings.registration_delay}
            sb.store.put("registration", sub["id"], reg, parent=customer["id"], created=now)
    resp = Response(status=202)
    resp.headers["Location"] = (
        f"/customers/{customer['id']}/subscriptions/{sub['id']}/registrationstatus"
    )
    return resp


@bp.get("/v1/customers/<customer_id>/subscriptions/<subscription_id>/registrationstatus")
def registration_get(customer_id, subscription_id):
    customer = customer_or_403(customer_id)
    sub = subscription_or_404(customer, subscription_id)
    return jsonify({
        "subscriptionId": sub["id"], "status": registration_status(sub["id"]),
        "attributes": {"objectType": "SubscriptionRegistrationStatus"},
    })  # fmt: skip


@bp.get("/v1/customers/<customer_id>/subscriptions/<subscription_id>/provisioningstatus")
@user_only
def subscription_provisioning(customer_id, subscription_id):
    customer = customer_or_403(customer_id)
    sub = subscription_or_404(customer, subscription_id)
    provisioned = sub.get("_provisionedAt", 0) <= sandbox().now()
    return jsonify({
        "skuId": sub["offerId"].split(":")[1] if ":" in sub["offerId"] else sub["offerId"],
        "status": "success" if provisioned else "pending", "quantity": sub["quantity"], "endDate": iso_day(sub["commitmentEndDate"]),
        "attributes": {"objectType": "SubscriptionProvisioningStatus"},
    })  # fmt: skip
