"""The ``/_sandbox/`` control endpoint (loopback only, no auth): settings, faults, clock, data."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from partnercenter.sandbox import billing, catalog, seed
from partnercenter.sandbox.auth import revoke_user_tokens
from partnercenter.sandbox.carts import GROUP_BY_CYCLE, LEGACY_OFFERS
from partnercenter.sandbox.common import billing_cycle
from partnercenter.sandbox.customers import customer_or_403
from partnercenter.sandbox.orders import create_order, render_order
from partnercenter.sandbox.state import sandbox

bp = Blueprint("control", __name__, url_prefix="/_sandbox")


@bp.before_request
def loopback_only():
    if request.remote_addr not in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        abort(403)


def _body() -> dict:
    return request.get_json(silent=True) or {}


def _public_settings() -> dict:
    out = sandbox().settings.to_dict()
    out["client_secret"] = "***"
    return out


@bp.get("/health")
def health():
    sb = sandbox()
    return jsonify({"status": "ok", "tenant_id": sb.settings.tenant_id, "now": sb.now(),
                    "catalog": sb.store.meta("catalog"), "catalog_generation": catalog.generation()})  # fmt: skip


@bp.route("/config", methods=["GET", "POST"])
def config():
    sb = sandbox()
    if request.method == "POST":
        values = _body()
        fixed = [k for k in values if k in sb.settings.STARTUP_ONLY]
        if fixed:
            return jsonify({"error": f"only settable at start-up: {', '.join(fixed)}"}), 400
        try:
            unknown = sb.settings.update(values)
        except (TypeError, ValueError) as exc:
            return jsonify({"error": str(exc)}), 400
        if unknown:
            return jsonify({"error": f"unknown settings: {', '.join(unknown)}"}), 400
        if "seed" in values:
            sb.rng.seed(sb.settings.seed)
        sb.persist_settings()
    return jsonify(_public_settings())


@bp.post("/faults")
def faults_add():
    sb = sandbox()
    body = _body()
    if "seed" in body:
        sb.faults.reseed(int(body.pop("seed")))
    specs = body.pop("faults", None) or [body]
    try:
        added = [sb.faults.add(**spec).id for spec in specs]
    except (TypeError, ValueError) as exc:
        return jsonify({"error": str(exc)}), 400
    return jsonify({"added": added, "faults": sb.faults.describe()}), 201


@bp.get("/faults")
def faults_list():
    return jsonify({"faults": sandbox().faults.describe()})


@bp.delete("/faults")
def faults_clear():
    sandbox().faults.clear()
    return jsonify({"faults": []})


@bp.post("/reissue-catalog-ids")
def reissue():
    sb = sandbox()
    generation = catalog.generation() + 1
    sb.store.set_meta("catalog_generation", generation)
    return jsonify({"catalog_generation": generation})


@bp.post("/external-orders")
def external_order():
    """An order placed outside the portal: ``{customer_id, billing_cycle?, line_items:[{catalog_item_id,
    quantity, term_duration?, provisioning_context?}]}`` (catalog ids may omit the availability)."""
    body = _body()
    customer = customer_or_403(str(body.get("customer_id", "")))
    cycle = billing_cycle(body.get("billing_cycle", "one_time")) or "one_time"
    lines = []
    for raw in body.get("line_items") or []:
        item_id = str(raw.get("catalog_item_id", ""))
        product = sku = None
        if item_id.upper() not in LEGACY_OFFERS:
            parts = item_id.split(":")
            product = catalog.get_product(parts[0])
            sku = product and catalog.get_sku(product["id"], parts[1] if len(parts) > 1 else "0001")
            if not sku:
                return jsonify({"error": f"unknown catalog item {item_id}"}), 400
            aid = catalog.availability_id(product["id"], sku["id"], customer["country"],
                                          catalog.kind_segments(product["_kind"])[0], "")  # fmt: skip
            item_id = f"{product['id']}:{sku['id']}:{aid}"
        lines.append({"catalogItemId": item_id, "quantity": int(raw.get("quantity", 1)),
                      "termDuration": raw.get("term_duration"),
                      "provisioningContext": raw.get("provisioning_context"),
                      "_product": product, "_sku": sku})  # fmt: skip
    if not lines:
        return jsonify({"error": "line_items is required"}), 400
    legacy = GROUP_BY_CYCLE.get(cycle) is None or lines[0]["_product"] is None
    order = create_order(customer, lines, cycle, legacy=legacy)
    return jsonify(render_order(order)), 201


@bp.post("/invoices")
def invoices():
    """Bill completed, not-yet-invoiced orders: ``{currency?, customer_id?, adjust?: {"<orderId>[:<line>]":
    {unit_price_factor?, quantity_delta?}}, extra_lines?, exclude_orders?, paid?}``."""
    body = _body()
    created = billing.bill_orders(
        currency=body.get("currency"), customer_id=body.get("customer_id"), adjust=body.get("adjust"),
        extra_lines=int(body.get("extra_lines", 0)), exclude=body.get("exclude_orders") or (),
        paid=bool(body.get("paid", False)),
    )  # fmt: skip
    return jsonify({"invoices": [billing.render_invoice(i) for i in created]}), 201


@bp.post("/clock")
def clock():
    seconds = float(_body().get("advance_seconds", 0))
    return jsonify({"now": sandbox().advance_clock(seconds)})


@bp.get("/stats")
def stats():
    return jsonify(sandbox().stats())


@bp.get("/ledger")
def ledger():
    """Partner Center's own record, per customer: every cart (status, lines, checkouts) and every
    order (with the cart it came from), oldest first; ``?customer_id=`` narrows it to one customer.
    What was bought is read here, never from a client's own tables."""
    sb = sandbox()
    wanted = (request.args.get("customer_id") or "").lower()
    with sb.stats_lock:
        attempts, checkouts = dict(sb.checkout_attempts), dict(sb.checkouts)
    out: dict[str, dict] = {}
    for customer in sb.store.list("customer"):
        if wanted and customer["id"].lower() != wanted:
            continue
        carts = [
            {"id": cart["id"], "status": cart["status"], "created": cart["created"],
             "lineItems": [_ledger_line(line) for line in cart["lineItems"]],
             "checkoutAttempts": attempts.get(cart["id"].lower(), 0),
             "checkouts": checkouts.get(cart["id"], 0)}
            for cart in sb.store.list("cart", parent=customer["id"])
        ]  # fmt: skip
        orders = [
            {"id": order["id"], "cartId": order.get("_cartId"), "created": order["creationDate"],
             "billingCycle": order["billingCycle"],
             "lineItems": [_ledger_line(line) for line in order["lineItems"]]}
            for order in sb.store.list("order", parent=customer["id"])
        ]  # fmt: skip
        out[customer["id"]] = {"carts": carts, "orders": orders}
    return jsonify({"now": sb.now(), "customers": out})


def _ledger_line(line: dict) -> dict:
    keys = ("catalogItemId", "offerId", "quantity", "termDuration", "provisioningContext")
    return {key: line[key] for key in keys if key in line}


@bp.post("/reset")
def reset():
    """Forget all state (orders, carts, invoices, registrations, clock, run-time settings such as
    inventory restrictions) and re-seed; keeps the catalog and the start-up settings."""
    sb = sandbox()
    sb.store.clear()
    sb.reset_settings({"inventory_restrictions": seed.default_restrictions()})
    sb.faults.clear(sb.settings.seed)
    sb.reset_counters()
    seed.seed(sb)
    if sb.settings.invoice_lines:
        billing.ensure_generated_invoice(sb.settings.invoice_lines, sb.now())
    sb.persist_settings()
    return jsonify({"status": "reset"})


@bp.post("/revoke-user-tokens")
def revoke():
    revoke_user_tokens(access_tokens=bool(_body().get("access_tokens", False)))
    return jsonify({"status": "revoked"})
