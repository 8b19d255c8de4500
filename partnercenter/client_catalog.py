"""The Partner Center client's catalog operations (products, SKUs, availabilities, market-wide
and customer-scoped, and the inventory check), a mixin of ``partnercenter.client.Client`` kept
apart to keep each module small: its methods use the client's ``_get``/``_list`` and ``_http``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from . import errors
from ._path import _seg
from .models import Availability, InventoryItem, Product, Sku
from .paging import read_json


def _as_is(item: Any) -> Any:
    """For ``raw=True`` lists: the item must still be a JSON object."""
    if not isinstance(item, dict):
        raise errors.InvalidResponse(f"Expected a JSON object, got {type(item).__name__}")
    return item


class CatalogMixin:
    """Catalog operations of the Partner Center client."""

    # -- catalog (partner-center.md §3) ------------------------------------------------------------

    @staticmethod
    def _catalog_params(
        country: str, target_segment: str | None, reservation_scope: str | None, **extra: Any
    ) -> dict[str, Any]:
        params = {"country": country, **extra}
        if target_segment:
            params["targetSegment"] = target_segment
        if reservation_scope:
            params["reservationScope"] = reservation_scope
        return params

    def list_products(
        self,
        country: str,
        target_view: str,
        *,
        target_segment: str | None = None,
        reservation_scope: str | None = None,
        correlation_id: str | None = None,
    ) -> Iterator[Product]:
        params = self._catalog_params(
            country, target_segment, reservation_scope, targetView=target_view
        )
        return self._list(
            "/products", Product.from_json, params=params, correlation_id=correlation_id
        )

    def get_product(
        self, product_id: str, country: str, *, correlation_id: str | None = None
    ) -> Product:
        return self._get(
            f"/products/{_seg(product_id)}",
            Product.from_json,
            params={"country": country},
            correlation_id=correlation_id,
        )

    def list_skus(
        self,
        product_id: str,
        country: str,
        *,
        target_segment: str | None = None,
        reservation_scope: str | None = None,
        correlation_id: str | None = None,
        raw: bool = False,
    ) -> Iterator[Sku]:
        """``raw=True`` yields the JSON objects as received (a sync that stores ``raw`` anyway)."""
        params = self._catalog_params(country, target_segment, reservation_scope)
        return self._list(
            f"/products/{_seg(product_id)}/skus",
            _as_is if raw else Sku.from_json,
            params=params,
            correlation_id=correlation_id,
        )

    def get_sku(
        self, product_id: str, sku_id: str, country: str, *, correlation_id: str | None = None
    ) -> Sku:
        return self._get(
            f"/products/{_seg(product_id)}/skus/{_seg(sku_id)}",
            Sku.from_json,
            params={"country": country},
            correlation_id=correlation_id,
        )

    def list_availabilities(
        self,
        product_id: str,
        sku_id: str,
        country: str,
        *,
        target_segment: str | None = None,
        reservation_scope: str | None = None,
        correlation_id: str | None = None,
        raw: bool = False,
    ) -> Iterator[Availability]:
        """``raw=True`` yields the JSON objects as received (one call per SKU in a catalog sync:
        skipping the nested product/SKU models saves a good part of the client's time)."""
        params = self._catalog_params(country, target_segment, reservation_scope)
        path = f"/products/{_seg(product_id)}/skus/{_seg(sku_id)}/availabilities"
        return self._list(
            path,
            _as_is if raw else Availability.from_json,
            params=params,
            correlation_id=correlation_id,
        )

    def get_availability(
        self,
        product_id: str,
        sku_id: str,
        availability_id: str,
        country: str,
        *,
        correlation_id: str | None = None,
    ) -> Availability:
        path = f"/products/{_seg(product_id)}/skus/{_seg(sku_id)}/availabilities/{_seg(availability_id)}"
        return self._get(
            path, Availability.from_json, params={"country": country}, correlation_id=correlation_id
        )

    # -- customer-scoped catalog: market and segment come from the customer ----------------------

    def list_customer_products(
        self,
        customer_id: str,
        target_view: str,
        *,
        reservation_scope: str | None = None,
        correlation_id: str | None = None,
    ) -> Iterator[Product]:
        """What Partner Center sells to this customer in a target view."""
        params: dict[str, Any] = {"targetView": target_view}
        if reservation_scope:
            params["reservationScope"] = reservation_scope
        return self._list(
            f"/customers/{_seg(customer_id)}/products",
            Product.from_json,
            params=params,
            correlation_id=correlation_id,
        )

    def get_customer_product(
        self, customer_id: str, product_id: str, *, correlation_id: str | None = None
    ) -> Product:
        path = f"/customers/{_seg(customer_id)}/products/{_seg(product_id)}"
        return self._get(path, Product.from_json, correlation_id=correlation_id)

    def list_customer_skus(
        self,
        customer_id: str,
        product_id: str,
        *,
        reservation_scope: str | None = None,
        correlation_id: str | None = None,
        raw: bool = False,
    ) -> Iterator[Sku]:
        params = {"reservationScope": reservation_scope} if reservation_scope else None
        return self._list(
            f"/customers/{_seg(customer_id)}/products/{_seg(product_id)}/skus",
            _as_is if raw else Sku.from_json,
            params=params,
            correlation_id=correlation_id,
        )

    def get_customer_sku(
        self, customer_id: str, product_id: str, sku_id: str, *, correlation_id: str | None = None
    ) -> Sku:
        path = f"/customers/{_seg(customer_id)}/products/{_seg(product_id)}/skus/{_seg(sku_id)}"
        return self._get(path, Sku.from_json, correlation_id=correlation_id)

    def list_customer_availabilities(
        self,
        customer_id: str,
        product_id: str,
        sku_id: str,
        *,
        reservation_scope: str | None = None,
        correlation_id: str | None = None,
        raw: bool = False,
    ) -> Iterator[Availability]:
        params = {"reservationScope": reservation_scope} if reservation_scope else None
        path = (
            f"/customers/{_seg(customer_id)}/products/{_seg(product_id)}/skus/{_seg(sku_id)}"
            "/availabilities"
        )
        return self._list(
            path,
            _as_is if raw else Availability.from_json,
            params=params,
            correlation_id=correlation_id,
        )

    def get_customer_availability(
        self,
        customer_id: str,
        product_id: str,
        sku_id: str,
        availability_id: str,
        *,
        correlation_id: str | None = None,
    ) -> Availability:
        path = (
            f"/customers/{_seg(customer_id)}/products/{_seg(product_id)}/skus/{_seg(sku_id)}"
            f"/availabilities/{_seg(availability_id)}"
        )
        return self._get(path, Availability.from_json, correlation_id=correlation_id)

    def check_inventory(
        self,
        country: str,
        target_items: Sequence[Mapping[str, str]],
        inventory_context: Mapping[str, str],
        *,
        request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> list[InventoryItem]:
        """POST checkinventory: one InventoryItem per evaluated SKU (a bare JSON array,
        partner-center.md §3.10)."""
        body = {
            "targetItems": [
                {k: v for k, v in item.items() if v is not None} for item in target_items
            ],
            "inventoryContext": dict(inventory_context),
        }
        response = self._http.request(
            "POST",
            "/extensions/product/checkinventory",
            params={"country": country},
            json=body,
            request_id=request_id,
            correlation_id=correlation_id,
        )
        data = read_json(response, "checkinventory")
        if isinstance(data, dict) and "items" in data:
            data = data["items"]
        if not isinstance(data, list):
            raise errors.InvalidResponse(
                "checkinventory did not return a list", status=response.status_code
            )
        return [InventoryItem.from_json(item) for item in data]
