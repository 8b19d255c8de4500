"""Catalog test helpers: customers, a synced catalog, a generated catalog of any size."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone


def make_customer(name="Contoso US", country="US", segment="commercial", currency="USD"):
    from portal.models import Customer

    return Customer.objects.create(
        tenant_id=uuid.uuid4(), company_name=name, country=country, segment=segment,
        currency=currency, domain=f"{name.split()[0].lower()}.example",
    )  # fmt: skip


@pytest.fixture
def us_customer(db):
    return make_customer()


@pytest.fixture
def br_customer(db):
    return make_customer("Fabrikam Brasil", "BR", currency="BRL")


@pytest.fixture
def synced_us(sandbox, db):
    from catalog.services.sync import catalog_sync

    return catalog_sync(country="US")


def generate_catalog(n_skus: int, country: str = "US", prefix: str = "GEN") -> None:
    """Insert ``n_skus`` reservation SKUs (one availability each) directly, for query counts."""
    from catalog.models import Availability, Product, Sku

    now = timezone.now()
    per_product = 50
    products = Product.objects.bulk_create(
        [
            Product(product_id=f"{prefix}{p:08d}", title=f"Generated VM family {p}",
                    product_type="Azure", product_subtype="VirtualMachines",
                    target_view="AzureReservationsVM",
                    target_views="|AzureReservations|AzureReservationsVM|", first_seen_at=now)
            for p in range((n_skus + per_product - 1) // per_product)
        ]
    )  # fmt: skip
    products = list(Product.objects.filter(product_id__startswith=prefix).order_by("product_id"))
    skus = [
        Sku(product=products[i // per_product], sku_id=f"{i:04d}",
            product_title=products[i // per_product].title,
            title=f"Reserved VM Instance, Standard_D{i}s, US East, 1 Year",
            description="Reserved Virtual Machines", billing_cycles=["one_time"],
            prerequisites=["InventoryCheck", "AzureSubscriptionRegistration"],
            billing_cycles_text="|one_time|",
            prerequisites_text="|inventorycheck|azuresubscriptionregistration|",
            dynamic_attributes={"armRegionName": "eastus"},
            search_text=f"generated vm family reserved vm instance, standard_d{i}s, us east",
            first_seen_at=now)
        for i in range(n_skus)
    ]  # fmt: skip
    Sku.objects.bulk_create(skus, batch_size=1000)
    skus = list(
        Sku.objects.filter(product__product_id__startswith=prefix).select_related("product")
    )
    Availability.objects.bulk_create(
        [
            Availability(sku=s, availability_id=f"AV{s.pk}", country=country,
                         catalog_item_id=f"{s.product.product_id}:{s.sku_id}:AV{s.pk}",
                         segment="commercial", currency="USD",
                         terms=[{"duration": "P1Y", "description": "1 Year"}],
                         term_durations="|P1Y|")
            for s in skus
        ],
        batch_size=1000,
    )  # fmt: skip
