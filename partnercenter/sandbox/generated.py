"""The generated large invoice (``--invoice-lines N``): one-time lines as a busy partner's month has
them, computed from their index and the seed, never stored.

Shape (``--invoice-customers``, default 5,000; ``--invoice-products``, default 400; ``--seed``):
orders of 1 to 6 lines, each order with its own customer and its own date and time in the billing
period; customers in every market the sandbox knows; products priced from a few dollars to tens of
thousands, popular ones bought more often; quantities mostly small, sometimes hundreds; a discount
per customer and a promotion on some lines; the pricing currency of the customer's market (US
dollars for Azure reservations) with an exchange rate that moves day by day. The invoice bills in
US dollars. So a cache of repeated texts sees what it would see on a real invoice: the same few
hundred products and a few thousand customers, but almost every date, amount and id new.

Line ``i`` depends only on ``i`` and the seed: any page is computed without the ones before it,
and ``total`` sums the totals once, when first asked, in integer cents.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from partnercenter.sandbox import speed
from partnercenter.sandbox.common import iso, iso_day, pc_id, stable_uuid
from partnercenter.sandbox.line_items import TERM_TEXT, base_line, month_start
from partnercenter.sandbox.markets import MARKETS
from partnercenter.sandbox.state import sandbox

DAY = 86400
YEARS = {"P1Y": 1, "P3Y": 3}
BLOCK = 16  # lines per block; a block is cut into orders of 1..6 lines
MASK = (1 << 64) - 1
WORDS = ["Alpine", "Blue", "Cedar", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper", "Kestrel", "Lumen", "Maple", "Nova", "Orchid", "Pioneer", "Quartz", "Ridge", "Summit", "Tidal", "Umber", "Vertex", "Willow", "Zenith"]  # fmt: skip
KINDS = ("Trading", "Systems", "Logistics", "Health", "Foods", "Studios", "Energy", "Legal")
FORMS = {"US": "Inc", "CA": "Ltd", "TW": "Co., Ltd", "BR": "Ltda", "GB": "Ltd", "DE": "GmbH",
         "FR": "SAS", "NL": "B.V.", "CH": "AG", "JP": "KK", "AU": "Pty Ltd", "IN": "Pvt Ltd"}  # fmt: skip
FAMILIES = (  # title pattern, term, reservation?, USD price range
    ("Reserved VM Instance, Standard_{v}, {r}, {t}", "P1Y", True, 300, 40000),
    ("SQL Database, General Purpose Gen5 vCore, {r}, {t}", "P3Y", True, 900, 60000),
    ("Azure Cosmos DB reserved capacity, {v}, {r}, {t}", "P1Y", True, 500, 20000),
    ("SQL Server 2022 {v} - 2 Core License Pack", "", False, 900, 14000),
    ("Windows Server 2022 {v} - 16 Core License", "", False, 600, 6200),
    ("Microsoft 365 {v}", "P1M", False, 4, 60),
    ("Dynamics 365 {v}", "P1Y", False, 50, 2400),
)
VM_SIZES = ("D2s_v5", "D4s_v5", "E8s_v5", "F16s_v2", "B2ms", "M64s", "NC6s_v3", "L8s_v3")
REGIONS = ("US East", "US West 2", "EU West", "EU North", "UK South", "Japan East", "Asia SE")
EDITIONS = ("Standard", "Enterprise", "Datacenter", "Business Basic", "Business Premium", "E3",
            "E5", "Sales Enterprise", "Customer Service", "Field Service")  # fmt: skip


def mix(*values: int) -> int:
    """A 64-bit hash of integers (splitmix64 rounds): the source of every varying value."""
    h = 0x9E3779B97F4A7C15
    for v in values:
        h = (h ^ (v & MASK)) * 0xBF58476D1CE4E5B9 & MASK
        h = (h ^ (h >> 27)) * 0x94D049BB133111EB & MASK
        h ^= h >> 31
    return h


def line_hash(salt: int, i: int) -> int:
    """One splitmix64 round of line ``i`` under ``salt`` (a ``mix`` of the seed): per-line values."""
    h = (salt + i * 0x9E3779B97F4A7C15) & MASK
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9 & MASK
    h = (h ^ (h >> 27)) * 0x94D049BB133111EB & MASK
    return h ^ (h >> 31)


def cents(value: int) -> str:
    sign, value = ("-", -value) if value < 0 else ("", value)
    return f"{sign}{value // 100}.{value % 100:02d}"


@dataclass(frozen=True)
class Product:
    product_id: str
    sku_id: str
    availability_id: str
    product_name: str
    sku_name: str
    term: str
    reservation: bool
    usd_cents: int


@dataclass(frozen=True)
class Customer:
    json: dict  # id, companyName, domain, country (what ``base_line`` reads)
    market: str
    discount_bp: int  # basis points off list price
    tax_bp: int  # the market's tax rate in basis points


class Order:
    """One order of the generated invoice; ``texts`` are the members all its lines share."""

    def __init__(self, first: int, size: int, key: str, created: float, customer: Customer):
        self.first, self.size, self.key = first, size, key
        self.created, self.customer, self.day = created, customer, int(created) // DAY

    @cached_property
    def order_id(self) -> str:
        return stable_uuid("gen-order", self.key).replace("-", "")[:32] + "1"

    @cached_property
    def texts(self) -> dict:
        created, order_id, customer = self.created, self.order_id, self.customer
        return {
            "customerId": customer.json["id"], "customerName": customer.json["companyName"],
            "customerDomainName": customer.json["domain"], "customerCountry": customer.market,
            "orderId": order_id, "orderDate": iso(created), "alternateId": order_id[:12].lower(),
            "subscriptionStartDate": iso_day(created), "chargeStartDate": iso_day(created),
            "chargeEndDate": iso_day(created + 30 * DAY), "pcToBCExchangeRateDate": month_start(created),
        }  # fmt: skip

    @cached_property
    def ends(self) -> dict[int, str]:
        return {years: iso_day(self.created + (years * 365 or 30) * DAY) for years in (0, 1, 3)}

    def exchange(self, seed: int) -> tuple[str, str]:
        """Pricing currency and its rate to US dollars on the order's day (moving up to +-2%)."""
        m = MARKETS[self.customer.market]
        if m.currency == "USD":
            return "USD", "1"
        drift = Decimal(int(mix(seed, self.day, 11) % 4001) - 2000) / 100_000
        return m.currency, str((1 / m.usd_rate * (1 + drift)).quantize(Decimal("0.000001")))


class Universe:
    """The customers and products of one generated invoice (built once per seed and size)."""

    def __init__(self, seed: int, customers: int, products: int):
        rng = random.Random(f"generated-invoice|{seed}")
        self.seed = seed
        self.product_salt, self.amount_salt = mix(seed, 3), mix(seed, 7)
        countries = list(MARKETS)
        weights = [40 if c == "US" else 6 for c in countries]
        self.customers = []
        for n in range(customers):
            country = rng.choices(countries, weights)[0]
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(KINDS)} {FORMS[country]}"
            stem = f"{name.split()[0].lower()}{name.split()[1].lower()}{n}"
            cid = stable_uuid("gen-customer", seed, n)
            self.customers.append(Customer(
                json={"id": cid, "companyName": f"{name} #{n}",
                      "domain": f"{stem}.onmicrosoft.com", "country": country},
                market=country, discount_bp=rng.choice((0, 0, 250, 500, 750, 1000, 1500, 2000)),
                tax_bp=int(MARKETS[country].tax_rate * 10_000),
            ))  # fmt: skip
        self.products = []
        for n in range(products):
            pattern, term, reservation, low, high = FAMILIES[n % len(FAMILIES)]
            title = pattern.format(v=rng.choice(VM_SIZES if reservation else EDITIONS),
                                   r=rng.choice(REGIONS), t="3 Years" if term == "P3Y" else "1 Year")  # fmt: skip
            pid = pc_id("gen-product", seed, n)
            sku = f"{1 + rng.randrange(20):04d}"
            self.products.append(Product(
                product_id=pid, sku_id=sku, availability_id=pc_id("gen-availability", seed, n),
                product_name=title.split(",")[0].split(" - ")[0], sku_name=title, term=term,
                reservation=reservation, usd_cents=rng.randrange(low * 100, high * 100),
            ))  # fmt: skip

    def orders(self, invoice_id: str, block: int, when: float) -> list[Order]:
        """The orders of one block of ``BLOCK`` lines, in line order."""
        out, start, k = [], 0, 0
        period = int(when) - 30 * DAY
        while start < BLOCK:
            h = mix(self.seed, block, k)
            size = min(BLOCK - start, 1 + h % 6)
            number = block * BLOCK + start  # the order's first line: unique per order
            created = period + (h >> 8) % (30 * DAY) + ((h >> 40) % 1_000_000) / 1e6
            customer = self.customers[(h >> 16) % len(self.customers)]
            out.append(Order(start, size, f"{invoice_id}|{number}", created, customer))
            start, k = start + size, k + 1
        return out

    def product(self, i: int) -> Product:
        h = line_hash(self.product_salt, i)
        n = len(self.products)
        return self.products[min(h % n, (h >> 24) % n)]  # popular products (low indexes) sell more

    def amounts(self, i: int, product: Product, customer: Customer) -> tuple[int, ...]:
        """(unit, effective unit, quantity, subtotal, tax, total): money in cents."""
        h = line_hash(self.amount_salt, i)
        quantity = (
            1 + h % 8 if h % 10 < 8 else 1 + (h >> 8) % (400 if product.term == "P1M" else 40)
        )
        unit = product.usd_cents
        promo_bp = (h >> 20) % 12 * 100 if (h >> 16) % 7 == 0 else 0
        effective = unit * (10_000 - customer.discount_bp - promo_bp) // 10_000
        subtotal = effective * quantity
        tax = (subtotal * customer.tax_bp + 5_000) // 10_000
        return unit, effective, quantity, subtotal, tax, subtotal + tax


def universe(seed: int, customers: int, products: int) -> Universe:
    return speed.generated_invoices.get_or_make(
        ("universe", seed, customers, products), lambda: Universe(seed, customers, products)
    )


def _universe() -> Universe:
    settings = sandbox().settings
    return universe(settings.seed, settings.invoice_customers, settings.invoice_products)


def lines(invoice: dict, start: int, count: int) -> Iterator[dict]:
    """Lines ``start`` .. ``start + count - 1`` of a generated invoice."""
    u, invoice_id, when = _universe(), invoice["id"], invoice["invoiceDate"]
    template = base_line(invoice_id, u.customers[0].json, "USD")
    block, orders = -1, []
    for i in range(start, start + count):
        if i // BLOCK != block:
            block = i // BLOCK
            orders = u.orders(invoice_id, block, when)
        offset = i % BLOCK
        order = next(o for o in orders if o.first + o.size > offset)
        yield line(u, template, invoice_id, i, order)


def line(u: Universe, template: dict, invoice_id: str, i: int, order: Order) -> dict:
    """Line ``i``: ``template`` (the invoice's ``base_line``) with this line's order and values."""
    product = u.product(i)
    unit, effective, quantity, subtotal, tax, total = u.amounts(i, product, order.customer)
    currency, rate = ("USD", "1") if product.reservation else order.exchange(u.seed)
    out = template.copy()
    out.update(order.texts)
    out.update({
        "productId": product.product_id, "skuId": product.sku_id,
        "availabilityId": product.availability_id, "productName": product.product_name,
        "skuName": product.sku_name, "subscriptionId": stable_uuid("gen-sub", invoice_id, i),
        "subscriptionEndDate": order.ends[YEARS.get(product.term, 0)],
        "termAndBillingCycle": TERM_TEXT.get(product.term, "One-Time Purchase"),
        "referenceId": stable_uuid("gen-ref", invoice_id, i),
        "pricingCurrency": currency, "pcToBCExchangeRate": rate, "billingFrequency": "",
        "reservationOrderId": stable_uuid("gen-ri", invoice_id, i) if product.reservation else "",
        "unitPrice": cents(unit), "effectiveUnitPrice": cents(effective),
        "quantity": str(quantity), "billableQuantity": str(quantity), "subtotal": cents(subtotal),
        "taxTotal": cents(tax), "totalForCustomer": cents(total),
    })  # fmt: skip
    return out


def total(invoice_id: str, n: int, when: float) -> Decimal:
    """The sum of the lines' ``totalForCustomer``, computed once (``speed.generated_invoices``)."""
    u = _universe()
    key = ("total", u.seed, len(u.customers), len(u.products), invoice_id, n, when)
    return speed.generated_invoices.get_or_make(key, lambda: _sum(u, invoice_id, n, when))


def _sum(u: Universe, invoice_id: str, n: int, when: float) -> Decimal:
    """Summed in cents from the amounts alone, without building the lines."""
    total = 0
    for block in range((n + BLOCK - 1) // BLOCK):
        for o in u.orders(invoice_id, block, when):
            for i in range(block * BLOCK + o.first, min(n, block * BLOCK + o.first + o.size)):
                total += u.amounts(i, u.product(i), o.customer)[5]
    return Decimal(total) / 100
