"""Catalog: deterministic generation into SQLite, availabilities computed per market, catalog routes.

Products and SKUs are stored once (``--catalog-size N`` adds generated reservation SKUs to the
hand-written ones). Availabilities are not stored: their ids derive from (product, SKU, country,
segment, reservation scope, catalog generation), so ``reissue`` just bumps the generation.
"""

from __future__ import annotations

import json
from itertools import chain

from flask import Blueprint, jsonify

from partnercenter.sandbox import speed
from partnercenter.sandbox.catalog_data import (
    AZURE_PLAN_PRODUCT as AZURE_PLAN_PRODUCT,  # re-exported: seed.py reads catalog.AZURE_PLAN_PRODUCT
)
from partnercenter.sandbox.catalog_data import (
    REGIONS,
    RESERVATION_KINDS,
    SEGMENTS,
    SEGMENTS_BY_KIND,
    TARGET_VIEWS,
    VIEWS_BY_KIND,
    _vm_family,
    curated,
)
from partnercenter.sandbox.common import (
    ApiError,
    arg,
    bad_request,
    ci,
    collection,
    json_body,
    link,
    norm,
    not_found,
    pc_id,
)
from partnercenter.sandbox.customers import customer_or_403
from partnercenter.sandbox.markets import SOFTWARE_SUBSCRIPTIONS_UNAVAILABLE, market
from partnercenter.sandbox.state import sandbox
from partnercenter.sandbox.store import Store

bp = Blueprint("catalog", __name__)


def generated(total_skus: int, already: int, seed: int):
    """Generated reservation products until the catalog holds ``total_skus`` SKUs."""
    sizes = [("Standard_E{}s_v5", 8), ("Standard_F{}s_v2", 2), ("Standard_M{}ms", 16)]
    k = 0
    while already < total_skus:
        pattern, ram_per_core = sizes[k % len(sizes)]
        family = [(pattern.format(c), c, c * ram_per_core) for c in (2, 4, 8, 16)]
        product, skus = _vm_family(pc_id("gen", seed, k), f"Generated {k:04d}", family, REGIONS)
        skus = skus[: total_skus - already]
        already += len(skus)
        k += 1
        yield product, skus


def ensure_catalog(store: Store, size: int, seed: int) -> None:
    """Write the catalog into SQLite unless the stored one was made with the same size and seed."""
    wanted = {"size": size, "seed": seed, "version": 2}
    if store.meta("catalog") == wanted:
        return
    forget_cached_skus()
    with store.transaction() as db:
        for table in ("products", "product_views", "skus"):
            db.execute(f"DELETE FROM {table}")
        parts = curated()
        count = sum(len(skus) for _, skus in parts)
        for rank, (product, skus) in enumerate(chain(parts, generated(size, count, seed)), 1):
            db.execute(
                "INSERT INTO products VALUES (?, ?, ?)", (product["id"], rank, json.dumps(product))
            )
            db.executemany(
                "INSERT INTO product_views VALUES (?, ?, ?)",
                [(v.lower(), product["id"], rank) for v in VIEWS_BY_KIND[product["_kind"]]],
            )
            db.executemany(
                "INSERT INTO skus VALUES (?, ?, ?, ?)",
                [(s["productId"], s["id"], n, json.dumps(s)) for n, s in enumerate(skus)],
            )
        db.execute("INSERT OR REPLACE INTO meta VALUES ('catalog', ?)", (json.dumps(wanted),))


# -- lookups -------------------------------------------------------------------------------------
def get_product(product_id: str) -> dict | None:
    row = (
        sandbox()
        .store.db.execute("SELECT body FROM products WHERE id = ? COLLATE NOCASE", (product_id,))
        .fetchone()
    )
    return json.loads(row[0]) if row else None


def _remember_skus(store_path: str, skus: list[dict]) -> None:
    for sku in skus:
        speed.parsed_skus.put((store_path, sku["productId"].lower(), sku["id"].lower()), sku)


def forget_cached_skus() -> None:
    speed.parsed_skus.clear()


def get_sku(product_id: str, sku_id: str) -> dict | None:
    store = sandbox().store
    cached = speed.parsed_skus.get((store.path, product_id.lower(), sku_id.lower()))
    if cached is not None:
        return cached
    row = store.db.execute(
        "SELECT body FROM skus WHERE product_id = ? COLLATE NOCASE AND id = ? COLLATE NOCASE",
        (product_id, sku_id),
    ).fetchone()
    if not row:
        return None
    sku = json.loads(row[0])
    _remember_skus(store.path, [sku])
    return sku


def list_skus(product_id: str) -> list[dict]:
    store = sandbox().store
    rows = store.db.execute(
        "SELECT body FROM skus WHERE product_id = ? COLLATE NOCASE ORDER BY rank", (product_id,)
    )
    skus = [json.loads(r[0]) for r in rows]
    _remember_skus(store.path, skus)
    return skus


def all_skus():
    """Every (product, sku) pair, streamed in catalog order (for price sheets)."""
    db = sandbox().store.db
    products = {r[0]: json.loads(r[1]) for r in db.execute("SELECT id, body FROM products")}
    for pid, body in db.execute(
        "SELECT s.product_id, s.body FROM skus s JOIN products p ON p.id = s.product_id ORDER BY p.rank, s.rank"
    ):
        yield products[pid], json.loads(body)


def generation() -> int:
    return int(sandbox().store.meta("catalog_generation", 0))


def kind_segments(kind: str) -> list[str]:
    return SEGMENTS_BY_KIND.get(kind, ["commercial"])


def scopes(kind: str) -> list[str]:
    return ["", "AzurePlan"] if kind in RESERVATION_KINDS else [""]


def offered_in(kind: str, country: str) -> bool:
    return not (kind == "softsub" and country.upper() in SOFTWARE_SUBSCRIPTIONS_UNAVAILABLE)


def availability_id(product_id, sku_id, country, segment, scope, gen=None) -> str:
    gen = generation() if gen is None else gen
    return pc_id(
        "availability", product_id.upper(), sku_id.upper(), country.upper(), segment, scope, gen
    )


def availabilities(product: dict, sku: dict, country: str, segment=None, scope=None) -> list[dict]:
    """Availabilities of a SKU in a market (optionally one segment / reservation scope)."""
    kind = product["_kind"]
    if not offered_in(kind, country):
        return []
    out = []
    for seg in kind_segments(kind):
        if segment and seg != segment:
            continue
        for sc in scopes(kind):
            if scope is not None and sc != scope:
                continue
            out.append(render_availability(product, sku, country, seg, sc))
    return out


def render_availability(product, sku, country, segment, scope) -> dict:
    aid = availability_id(product["id"], sku["id"], country, segment, scope)
    m = market(country)
    c = country.upper()
    return {
        "id": aid, "productId": product["id"], "skuId": sku["id"],
        "catalogItemId": f"{product['id']}:{sku['id']}:{aid}",
        "defaultCurrency": {"code": m.currency, "symbol": m.symbol},
        "segment": segment, "country": c, "isPurchasable": True,
        "isRenewable": product["_kind"] in ("nce", "softsub"),
        "terms": sku["_terms"],
        "product": render_product(product, c), "sku": render_sku(sku, c),
        "links": {"self": link(f"/products/{product['id']}/skus/{sku['id']}/availabilities/{aid}?country={c}")},
    }  # fmt: skip


def find_availability(catalog_item_id: str, country: str):
    """Resolve ``product:sku:availability`` for a market: (product, sku, segment, scope) or None."""
    parts = catalog_item_id.split(":")
    if len(parts) != 3:
        return None
    product = get_product(parts[0])
    sku = product and get_sku(product["id"], parts[1])
    if not sku:
        return None
    for seg in kind_segments(product["_kind"]):
        for sc in scopes(product["_kind"]):
            if (
                availability_id(product["id"], sku["id"], country, seg, sc).lower()
                == parts[2].lower()
            ):
                return product, sku, seg, sc
    return None


def public(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def render_product(product: dict, country: str) -> dict:
    base = f"/products/{product['id']}"
    out = public(product)
    out["links"] = {
        "skus": link(f"{base}/skus?country={country}"),
        "self": link(f"{base}?country={country}"),
    }
    return out


def render_sku(sku: dict, country: str) -> dict:
    base = f"/products/{sku['productId']}/skus/{sku['id']}"
    out = public(sku)
    out["links"] = {
        "availabilities": link(f"{base}/availabilities?country={country}"),
        "self": link(f"{base}?country={country}"),
    }
    return out


def restriction_for(product: dict, sku: dict, context: dict) -> list[dict]:
    """Inventory restrictions for a SKU under an inventory context (keys lower-cased).

    A rule (``settings.inventory_restrictions``) matches when each of its keys - ``armRegionName``,
    ``azureSubscriptionId``, ``customerId``, ``productId``, ``skuId`` - equals the SKU's or context's value.
    """
    if "InventoryCheck" not in sku.get("purchasePrerequisites", []):
        return []
    region = sku["dynamicAttributes"].get("armRegionName", "")
    values = {
        "armregionname": region, "productid": product["id"], "skuid": sku["id"],
        "azuresubscriptionid": context.get("azuresubscriptionid", ""),
        "customerid": context.get("customerid", ""),
    }  # fmt: skip
    for rule in sandbox().settings.inventory_restrictions:
        if all(str(values.get(k.lower(), "")).lower() == str(v).lower() for k, v in rule.items()):
            reason = "Subscription" if "azureSubscriptionId" in rule else "Location"
            shown = rule.get("azureSubscriptionId", region) if reason == "Subscription" else region
            return [{
                "reasonCode": "NotAvailableForSubscription",
                "description": f"Restriction identified of type '{reason}' with values '{shown}'.",
                "properties": {"type": reason, "values": shown},
            }]  # fmt: skip
    return []


# -- routes --------------------------------------------------------------------------------------
def _country() -> str:
    country = arg("country")
    if not country or len(country) != 2:
        raise bad_request(
            800002, "Invalid request input: the 'country' query parameter is required."
        )
    return country.upper()


def _segment() -> str | None:
    value = arg("targetSegment")
    if value is None:
        return None
    if norm(value) not in SEGMENTS:
        raise ApiError(403, 400030, f"The targetSegment '{value}' is not allowed.")
    return SEGMENTS[norm(value)]


def _scope() -> str:
    value = arg("reservationScope")
    if value and norm(value) != "azureplan":
        raise bad_request(800002, f"Invalid request input: unknown reservationScope '{value}'.")
    return "AzurePlan" if value else ""


def _product_or_404(product_id: str) -> dict:
    product = get_product(product_id)
    if not product:
        raise not_found(400013, f"Product '{product_id}' was not found.")
    return product


def _sku_or_404(product: dict, sku_id: str) -> dict:
    sku = get_sku(product["id"], sku_id)
    if not sku:
        raise not_found(400018, f"SKU '{sku_id}' of product '{product['id']}' was not found.")
    return sku


def _products(country: str, segment: str | None, scope: str, base: str):
    view = arg("targetView")
    if not view:
        raise bad_request(
            800002, "Invalid request input: the 'targetView' query parameter is required."
        )
    if norm(view) not in TARGET_VIEWS:
        raise ApiError(403, 400036, f"The targetView '{view}' is not allowed.")
    rows = sandbox().store.db.execute(
        "SELECT p.body FROM product_views v JOIN products p ON p.id = v.product_id "
        "WHERE v.view = ? ORDER BY v.rank",
        (TARGET_VIEWS[norm(view)].lower(),),
    )
    items = []
    for (body,) in rows:
        product = json.loads(body)
        kind = product["_kind"]
        if not offered_in(kind, country) or (segment and segment not in kind_segments(kind)):
            continue
        if scope and kind not in RESERVATION_KINDS:
            continue
        items.append(render_product(product, country))
    view_name = TARGET_VIEWS[norm(view)]
    return jsonify(collection(items, f"{base}targetView={view_name}"))


def _offered_product(product_id: str, country: str) -> dict:
    product = _product_or_404(product_id)
    if not offered_in(product["_kind"], country):
        raise not_found(400013, f"Product '{product_id}' is not available in country '{country}'.")
    return product


def _skus(product_id: str, country: str, segment: str | None, scope: str, uri: str):
    product = _product_or_404(product_id)
    skus = (
        []
        if (segment and segment not in kind_segments(product["_kind"]))
        or scope not in scopes(product["_kind"])
        else list_skus(product["id"])
    )
    if not offered_in(product["_kind"], country):
        skus = []
    items = [render_sku(s, country) for s in skus]
    return jsonify(collection(items, uri))


def _availability(product_id, sku_id, availability_id, country, segment=None):
    product = _product_or_404(product_id)
    sku = _sku_or_404(product, sku_id)
    for item in availabilities(product, sku, country, segment):
        if item["id"].lower() == availability_id.lower():
            return jsonify(item)
    raise not_found(400019, f"Availability '{availability_id}' was not found.")


@bp.get("/v1/products")
def products_list():
    country, segment, scope = _country(), _segment(), _scope()
    return _products(country, segment, scope, f"/products?country={country}&")


@bp.get("/v1/products/<product_id>")
def product_get(product_id):
    country = _country()
    return jsonify(render_product(_offered_product(product_id, country), country))


@bp.get("/v1/products/<product_id>/skus")
def skus_list(product_id):
    country, segment, scope = _country(), _segment(), _scope()
    return _skus(
        product_id, country, segment, scope, f"/products/{product_id}/skus?country={country}"
    )


@bp.get("/v1/products/<product_id>/skus/<sku_id>")
def sku_get(product_id, sku_id):
    country = _country()
    return jsonify(render_sku(_sku_or_404(_product_or_404(product_id), sku_id), country))


@bp.get("/v1/products/<product_id>/skus/<sku_id>/availabilities")
def availabilities_list(product_id, sku_id):
    country, segment, scope = _country(), _segment(), _scope()
    product = _product_or_404(product_id)
    sku = _sku_or_404(product, sku_id)
    items = availabilities(product, sku, country, segment, scope)
    uri = f"/products/{product['id']}/skus/{sku['id']}/availabilities?country={country}"
    return jsonify(collection(items, uri + (f"&targetSegment={segment}" if segment else "")))


@bp.get("/v1/products/<product_id>/skus/<sku_id>/availabilities/<availability_id>")
def availability_get(product_id, sku_id, availability_id):
    return _availability(product_id, sku_id, availability_id, _country())


# -- customer-scoped catalog: the market and segment come from the customer ----------------------
def _customer_market(customer_id: str) -> tuple[dict, str, str]:
    customer = customer_or_403(customer_id)
    return customer, customer["country"].upper(), customer.get("_segment") or "commercial"


@bp.get("/v1/customers/<customer_id>/products")
def customer_products_list(customer_id):
    customer, country, segment = _customer_market(customer_id)
    return _products(country, segment, _scope(), f"/customers/{customer['id']}/products?")


@bp.get("/v1/customers/<customer_id>/products/<product_id>")
def customer_product_get(customer_id, product_id):
    _, country, _ = _customer_market(customer_id)
    return jsonify(render_product(_offered_product(product_id, country), country))


@bp.get("/v1/customers/<customer_id>/products/<product_id>/skus")
def customer_skus_list(customer_id, product_id):
    customer, country, segment = _customer_market(customer_id)
    uri = f"/customers/{customer['id']}/products/{product_id}/skus"
    return _skus(product_id, country, segment, _scope(), uri)


@bp.get("/v1/customers/<customer_id>/products/<product_id>/skus/<sku_id>")
def customer_sku_get(customer_id, product_id, sku_id):
    _, country, _ = _customer_market(customer_id)
    return jsonify(render_sku(_sku_or_404(_offered_product(product_id, country), sku_id), country))


@bp.get("/v1/customers/<customer_id>/products/<product_id>/skus/<sku_id>/availabilities")
def customer_availabilities_list(customer_id, product_id, sku_id):
    customer, country, segment = _customer_market(customer_id)
    product = _offered_product(product_id, country)
    sku = _sku_or_404(product, sku_id)
    items = availabilities(product, sku, country, segment, _scope())
    uri = f"/customers/{customer['id']}/products/{product['id']}/skus/{sku['id']}/availabilities"
    return jsonify(collection(items, uri))


@bp.get(
    "/v1/customers/<customer_id>/products/<product_id>/skus/<sku_id>/availabilities/"
    "<availability_id>"
)
def customer_availability_get(customer_id, product_id, sku_id, availability_id):
    _, country, segment = _customer_market(customer_id)
    return _availability(product_id, sku_id, availability_id, country, segment)


@bp.post("/v1/extensions/product/checkinventory")
@bp.post("/v1/extensions/product/checkInventory")
def check_inventory():
    _country()
    body = ci(json_body())
    if not isinstance(body, dict) or not isinstance(body.get("targetitems"), list):
        raise bad_request(800002, "Invalid request input: 'targetItems' is required.")
    context = {k: str(v) for k, v in (body.get("inventorycontext") or {}).items()}
    out = []
    for target in body["targetitems"]:
        product = isinstance(target, dict) and get_product(str(target.get("productid", "")))
        if not product:
            continue  # unknown items are silently dropped
        if target.get("skuid"):
            sku = get_sku(product["id"], str(target["skuid"]))
            skus = [sku] if sku else []
        else:
            skus = list_skus(product["id"])
        for sku in skus:
            restrictions = restriction_for(product, sku, context)
            item = {
                "productId": product["id"],
                "skuId": sku["id"],
                "isRestricted": bool(restrictions),
            }
            item["restrictions"] = restrictions
            out.append(item)
    return jsonify(out)
