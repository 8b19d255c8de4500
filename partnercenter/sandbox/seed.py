"""The seeded partner: customers in several markets, their Azure and licence subscriptions,
registrations, a few historical orders and invoices (paid and open, several currencies)."""

from __future__ import annotations

from decimal import Decimal

from partnercenter.sandbox import billing, catalog
from partnercenter.sandbox.common import stable_uuid
from partnercenter.sandbox.orders import create_order
from partnercenter.sandbox.state import Sandbox

DAY = 86400.0

CUSTOMERS = [
    # key, company, domain stem, country, region, city, street, postal code, culture, first, last
    ("contoso", "Contoso Ltd", "contosoltd", "US", "WA", "Redmond", "1 Microsoft Way", "98052", "en-US", "Avery", "Howard"),
    ("fabrikam", "台灣富百科股份有限公司", "fabrikamtw", "TW", "", "Taipei", "No. 7, Sec. 5, Xinyi Rd", "110", "zh-TW", "Mei", "Lin"),
    ("tailspin", "Tailspin Toys Brasil Ltda", "tailspinbr", "BR", "SP", "São Paulo", "Av. Paulista 1000", "01310-100", "pt-BR", "João", "Silva"),
    ("northwind", "Northwind Traders UK Ltd", "northwinduk", "GB", "", "London", "2 Kingdom Street", "W2 6BD", "en-GB", "Oliver", "Smith"),
    ("wingtip", "Wingtip Toys GmbH", "wingtipde", "DE", "BE", "Berlin", "Unter den Linden 17", "10117", "de-DE", "Lena", "Schmidt"),
    ("adatum", "Adatum KK", "adatumjp", "JP", "13", "Tokyo", "2-16-3 Konan, Minato-ku", "108-0075", "ja-JP", "Yuki", "Tanaka"),
]  # fmt: skip

# key, customer, kind, registered, status
SUBSCRIPTIONS = [
    ("contoso-plan", "contoso", "azure_plan", True, "active"),
    ("contoso-legacy", "contoso", "azure_legacy", False, "active"),
    ("contoso-m365", "contoso", "license", False, "active"),
    ("fabrikam-plan", "fabrikam", "azure_plan", False, "active"),
    ("fabrikam-legacy", "fabrikam", "azure_legacy", True, "active"),
    ("tailspin-plan", "tailspin", "azure_plan", True, "active"),
    ("northwind-plan", "northwind", "azure_plan", True, "active"),
    ("northwind-legacy", "northwind", "azure_legacy", False, "suspended"),
    ("wingtip-plan", "wingtip", "azure_plan", True, "active"),
    ("wingtip-legacy", "wingtip", "azure_legacy", True, "active"),
    ("adatum-plan", "adatum", "azure_plan", False, "active"),
]


def customer_id(key: str) -> str:
    return stable_uuid("customer", key)


def subscription_id(key: str) -> str:
    sid = stable_uuid("subscription", key)
    return sid.upper() if key.endswith("legacy") else sid


def default_restrictions() -> list[dict]:
    """Inventory restrictions of the seeded partner: one region everywhere, one region for one subscription."""
    return [
        {"armRegionName": "japanwest"},
        {"armRegionName": "westeurope", "azureSubscriptionId": subscription_id("contoso-plan")},
    ]


def seed(sb: Sandbox) -> None:
    """Write the seeded partner unless already present (idempotent)."""
    store = sb.store
    if store.meta("seeded"):
        return
    now = sb.now()
    with store.transaction():
        for (
            key,
            company,
            stem,
            country,
            region,
            city,
            street,
            postal,
            culture,
            first,
            last,
        ) in CUSTOMERS:
            cid = customer_id(key)
            store.put("customer", cid, {
                "id": cid, "commerceId": stable_uuid("commerce", key), "companyName": company,
                "domain": f"{stem}.onmicrosoft.com", "country": country, "region": region, "city": city,
                "addressLine1": street, "postalCode": postal, "phone": "4255550100",
                "email": f"{first.lower()}@{stem}.example", "culture": culture, "firstName": first,
                "lastName": last, "billingProfileId": stable_uuid("billing-profile", key),
            }, created=now - 400 * DAY + len(store.list("customer")))  # fmt: skip
        for n in range(sb.settings.customers):  # --customers N: a larger partner's book
            _generated_customer(sb, n, now)
        for key, ckey, kind, registered, status in SUBSCRIPTIONS:
            _subscription(sb, key, ckey, kind, status, now)
            if registered:
                store.put("registration", subscription_id(key), {"requestedAt": now - 200 * DAY,
                          "registeredAt": now - 200 * DAY}, parent=customer_id(ckey))  # fmt: skip
        _history(sb, now)
        store.set_meta("seeded", True)


def _generated_customer(sb: Sandbox, n: int, now: float) -> None:
    cid = stable_uuid("generated-customer", sb.settings.seed, n)
    stem = f"customer{n:05d}"
    sb.store.put("customer", cid, {
        "id": cid, "commerceId": stable_uuid("generated-commerce", n),
        "companyName": f"Customer {n:05d} Inc", "domain": f"{stem}.onmicrosoft.com", "country": "US",
        "region": "WA", "city": "Seattle", "addressLine1": f"{n} Pine Street", "postalCode": "98101",
        "phone": "4255550100", "email": f"admin@{stem}.example", "culture": "en-US",
        "firstName": "Sam", "lastName": f"Buyer{n}", "billingProfileId": stable_uuid("generated-profile", n),
    }, created=now - 100 * DAY + n)  # fmt: skip


def _subscription(sb: Sandbox, key: str, ckey: str, kind: str, status: str, now: float) -> None:
    sid, cid = subscription_id(key), customer_id(ckey)
    country = next(c[3] for c in CUSTOMERS if c[0] == ckey)
    offer, name, cycle, qty = {
        "azure_plan": (f"{catalog.AZURE_PLAN_PRODUCT}:0001:{catalog.AZURE_PLAN_PRODUCT}", "Azure plan", "monthly", 1),
        "azure_legacy": ("MS-AZR-0145P", "Microsoft Azure", "monthly", 1),
        "license": ("CFQ7TTC0LH18:0001:CFQ7TTC0LH1S", "Microsoft 365 Business Basic", "annual", 25),
    }[kind]  # fmt: skip
    created = now - 300 * DAY
    sb.store.put("subscription", sid, {
        "id": sid, "customerId": cid, "entitlementId": stable_uuid("entitlement", key), "offerId": offer,
        "offerName": name, "friendlyName": name, "quantity": qty,
        "unitType": "Licenses" if kind == "license" else "Usage-based",
        "creationDate": created, "effectiveStartDate": created,
        "commitmentEndDate": created + 365 * DAY if kind == "license" else 253402214400.0,
        "status": status, "autoRenewEnabled": kind == "license",
        "billingType": "license" if kind == "license" else "usage", "billingCycle": cycle,
        "contractType": "subscription", "orderId": stable_uuid("seed-order", key), "isTrial": False,
        "_kind": kind, "_country": country,
    }, parent=cid, created=created)  # fmt: skip


def _history(sb: Sandbox, now: float) -> None:
    """Past one-time purchases, billed into last month's invoices (one paid, others open)."""
    purchases = [
        ("contoso", "DZH318Z0BQ3Q", "0001", 2, "P1Y", {"scope": "shared", "duration": "1Year",
         "subscriptionId": subscription_id("contoso-plan")}, 70),
        ("contoso", "DG7GMGF0DWTL", "0001", 4, None, None, 65),
        ("northwind", "DG7GMGF0FKZV", "0001", 8, "P1Y", None, 60),
        ("wingtip", "DZH318Z0BQ5S", "0001", 1, "P1Y", {"scope": "single", "duration": "1Year",
         "subscriptionId": subscription_id("wingtip-plan")}, 55),
    ]  # fmt: skip
    customers = {c["id"]: c for c in sb.store.list("customer")}
    for ckey, pid, sku_id, qty, term, context, days_ago in purchases:
        customer = customers[customer_id(ckey)]
        product, sku = catalog.get_product(pid), catalog.get_sku(pid, sku_id)
        aid = catalog.availability_id(pid, sku_id, customer["country"], "commercial", "")
        line = {"catalogItemId": f"{pid}:{sku_id}:{aid}", "quantity": qty, "termDuration": term,
                "provisioningContext": context, "_product": product, "_sku": sku}  # fmt: skip
        order = create_order(customer, [line], "one_time")
        when = now - days_ago * DAY
        order.update(creationDate=when, _listedAt=when, _completesAt=when + 600)
        sb.store.put("order", order["id"], order, parent=customer["id"])
    billing.bill_orders(currency="USD", invoice_date=now - 35 * DAY, paid=True)
    billing.bill_orders(invoice_date=now - 30 * DAY)
    recurring = billing.new_invoice("D02005YFHI", "USD", now - 32 * DAY, [], invoice_type="Recurring",
                                     total=Decimal("1520.40"), paid=True)  # fmt: skip
    sb.store.put("invoice", recurring["id"], recurring, created=recurring["invoiceDate"])
