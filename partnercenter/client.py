"""The Partner Center REST client: one method per operation, typed results, lazy lists."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import requests

from . import errors
from .auth import MsalAuth, SignedInUser, TokenCacheStore
from .clouds import CLOUDS, PRICING_RESOURCE
from .http import PartnerCenterSession, Transport
from .models import (
    Availability,
    Cart,
    CartCheckoutResult,
    CartLineItem,
    Customer,
    Entitlement,
    InventoryItem,
    Invoice,
    InvoiceSummary,
    LineItemPage,
    Order,
    OrderLineItemProvisioningStatus,
    PriceSheetRow,
    Product,
    RegistrationState,
    RegistrationStatus,
    ReservedInstanceDetails,
    Sku,
    Subscription,
    SubscriptionProvisioningStatus,
)
from .models.billing import parse_line_item
from .models.pricesheet import iter_price_sheet
from .paging import CONTINUATION_HEADER, iter_items, iter_pages, read_json

LineItemInput = CartLineItem | Mapping[str, Any]


def _as_is(item: Any) -> Any:
    """For ``raw=True`` lists: the item must still be a JSON object."""
    if not isinstance(item, dict):
        raise errors.InvalidResponse(f"Expected a JSON object, got {type(item).__name__}")
    return item


def _seg(value: str) -> str:
    """One path segment, escaped."""
    return quote(str(value), safe="")


class Client:
    """Partner Center client. See docs/partnercenter-interface.md for the agreed contract.

    Tokens: app-only (client credentials) by default; operations the contract marks App+User only use
    the signed-in user's token (``begin_user_sign_in`` / ``complete_user_sign_in``) and raise
    ``UserSignInRequired`` without one. ``auth`` may replace the MSAL hook (an object with
    ``app_token()`` and ``user_token(scopes)``).
    """

    def __init__(
        self,
        base_url: str | None = None,
        authority: str | None = None,
        *,
        tenant_id: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        cloud: str = "public",
        token_cache: TokenCacheStore | None = None,
        timeout: tuple[float, float] | float = (5.0, 30.0),
        max_retries: int = 3,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        pricing_base_url: str | None = None,
        app_scopes: Sequence[str] | None = None,
        user_scopes: Sequence[str] | None = None,
        pricing_scopes: Sequence[str] | None = None,
        auth: Any = None,
        deadline: float | None = None,
    ) -> None:
        if cloud not in CLOUDS:
            raise ValueError(f"cloud must be one of {sorted(CLOUDS)}, not {cloud!r}")
        defaults = CLOUDS[cloud]
        self.cloud = cloud
        self.base_url = (base_url or defaults.api_url).rstrip("/")
        if pricing_base_url is None:
            is_real = self.base_url.lower() == defaults.api_url.lower()
            pricing_base_url = defaults.pricing_url if is_real else self.base_url
        self.pricing_base_url = pricing_base_url.rstrip("/")
        self.session = session or PartnerCenterSession()
        self.pricing_scopes = list(pricing_scopes or [f"{PRICING_RESOURCE}/user_impersonation"])
        if auth is None:
            if not (client_id and client_secret and (authority or tenant_id)):
                raise ValueError(
                    "client_id, client_secret and authority (or tenant_id) are required"
                )
            auth = MsalAuth(
                authority=authority or f"{defaults.authority_host}/{tenant_id}",
                client_id=client_id,
                client_secret=client_secret,
                app_scopes=list(app_scopes or [f"{defaults.resource}/.default"]),
                user_scopes=list(user_scopes or [f"{defaults.resource}/user_impersonation"]),
                session=self.session,
                timeout=timeout,
                token_cache=token_cache,
            )
        self.auth = auth
        self._http = Transport(
            base_url=self.base_url,
            session=self.session,
            token=self._token,
            invalidate=self._invalidate_token,
            timeout=timeout,
            max_retries=max_retries,
            sleep=sleep,
            deadline=deadline,
        )
        self.sleep = sleep

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r}, cloud={self.cloud!r})"

    def _token(self, kind: str, scopes: list[str] | None) -> str:
        return self.auth.user_token(scopes) if kind == "user" else self.auth.app_token()

    def _invalidate_token(self, kind: str, token: str) -> None:
        invalidate = getattr(self.auth, "invalidate_token", None)
        if invalidate is not None:
            invalidate(token)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers ---------------------------------------------------------------------------------

    def _get(
        self,
        path: str,
        parse: Callable[[Any], Any],
        *,
        params: Any = None,
        user: bool = False,
        correlation_id: str | None = None,
    ) -> Any:
        response = self._http.request(
            "GET", path, params=params, user=user, correlation_id=correlation_id
        )
        return parse(read_json(response, path))

    def _list(
        self,
        path: str,
        parse: Callable[[Any], Any],
        *,
        params: Any = None,
        user: bool = False,
        correlation_id: str | None = None,
    ) -> Iterator[Any]:
        pages = iter_pages(
            self._http, path, params=params, user=user, correlation_id=correlation_id, what=path
        )
        return iter_items(pages, parse)

    # -- customers & subscriptions ---------------------------------------------------------------

    def list_customers(
        self, *, page_size: int = 500, correlation_id: str | None = None
    ) -> Iterator[Customer]:
        """All customers, following seek paging (``MS-ContinuationToken``)."""
        return self._list(
            "/customers",
            Customer.from_json,
            params={"size": page_size},
            correlation_id=correlation_id,
        )

    def get_customer(self, customer_id: str, *, correlation_id: str | None = None) -> Customer:
        return self._get(
            f"/customers/{_seg(customer_id)}", Customer.from_json, correlation_id=correlation_id
        )

    def list_subscriptions(
        self, customer_id: str, *, correlation_id: str | None = None
    ) -> Iterator[Subscription]:
        return self._list(
            f"/customers/{_seg(customer_id)}/subscriptions",
            Subscription.from_json,
            correlation_id=correlation_id,
        )

    def get_subscription(
        self, customer_id: str, subscription_id: str, *, correlation_id: str | None = None
    ) -> Subscription:
        path = f"/customers/{_seg(customer_id)}/subscriptions/{_seg(subscription_id)}"
        return self._get(path, Subscription.from_json, correlation_id=correlation_id)

    def get_subscription_provisioning_status(
        self, customer_id: str, subscription_id: str, *, correlation_id: str | None = None
    ) -> SubscriptionProvisioningStatus:
        """App+User only: ``success``, ``pending`` or ``failed`` (refreshed by Partner Center
        about every 15 minutes)."""
        path = (
            f"/customers/{_seg(customer_id)}/subscriptions/{_seg(subscription_id)}"
            "/provisioningstatus"
        )
        return self._get(
            path, SubscriptionProvisioningStatus.from_json, user=True, correlation_id=correlation_id
        )

    # -- registration (partner-center.md §2) -------------------------------------------------------

    def register_subscription(
        self,
        customer_id: str,
        subscription_id: str,
        *,
        request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> str:
        """Start RI registration; returns the ``Location`` of the status resource."""
        path = f"/customers/{_seg(customer_id)}/subscriptions/{_seg(subscription_id)}/registrations"
        response = self._http.request(
            "POST", path, request_id=request_id, correlation_id=correlation_id
        )
        return response.headers.get("Location") or f"{path.rsplit('/', 1)[0]}/registrationstatus"

    def get_registration_status(
        self, customer_id: str, subscription_id: str, *, correlation_id: str | None = None
    ) -> RegistrationStatus:
        path = f"/customers/{_seg(customer_id)}/subscriptions/{_seg(subscription_id)}/registrationstatus"
        return self._get(path, RegistrationStatus.from_json, correlation_id=correlation_id)

    def wait_for_registration(
        self,
        customer_id: str,
        subscription_id: str,
        *,
        interval: float = 5.0,
        timeout: float = 300.0,
        correlation_id: str | None = None,
    ) -> RegistrationStatus:
        """Poll the registration status until ``Registered``; raises ``errors.Timeout`` after ``timeout``."""
        started, waited = time.monotonic(), 0.0
        while True:
            status = self.get_registration_status(
                customer_id, subscription_id, correlation_id=correlation_id
            )
            if status.status == RegistrationState.REGISTERED:
                return status
            elapsed = max(waited, time.monotonic() - started)
            if elapsed + interval > timeout:
                raise errors.Timeout(
                    f"Subscription {subscription_id} was still {status.status!s} "
                    f"after {elapsed:g} seconds",
                    correlation_id=correlation_id,
                )
            self.sleep(interval)
            waited += interval

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

    # -- carts (partner-center.md §4) --------------------------------------------------------------

    @staticmethod
    def _lines(line_items: Sequence[LineItemInput]) -> list[dict[str, Any]]:
        lines = []
        for index, line in enumerate(line_items):
            body = line.to_json() if isinstance(line, CartLineItem) else dict(line)
            body.setdefault("id", index)
            lines.append(body)
        if not lines:
            raise ValueError("a cart needs at least one line item")
        return lines

    def create_cart(
        self,
        customer_id: str,
        line_items: Sequence[LineItemInput],
        *,
        request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> Cart:
        response = self._http.request(
            "POST",
            f"/customers/{_seg(customer_id)}/carts",
            json={"lineItems": self._lines(line_items)},
            request_id=request_id,
            correlation_id=correlation_id,
        )
        return Cart.from_json(read_json(response, "create cart"))

    def update_cart(
        self,
        customer_id: str,
        cart_id: str,
        line_items: Sequence[LineItemInput],
        *,
        request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> Cart:
        body = {"id": cart_id, "lineItems": self._lines(line_items)}
        response = self._http.request(
            "PUT",
            f"/customers/{_seg(customer_id)}/carts/{_seg(cart_id)}",
            json=body,
            request_id=request_id,
            correlation_id=correlation_id,
        )
        return Cart.from_json(read_json(response, "update cart"))

    def get_cart(
        self, customer_id: str, cart_id: str, *, correlation_id: str | None = None
    ) -> Cart:
        return self._get(
            f"/customers/{_seg(customer_id)}/carts/{_seg(cart_id)}",
            Cart.from_json,
            correlation_id=correlation_id,
        )

    def checkout_cart(
        self, customer_id: str, cart_id: str, *, request_id: str, correlation_id: str | None = None
    ) -> CartCheckoutResult:
        """Check out; pass a ``request_id`` persisted beforehand so a replay cannot buy twice."""
        path = f"/customers/{_seg(customer_id)}/carts/{_seg(cart_id)}/checkout"
        response = self._http.request(
            "POST", path, request_id=request_id, correlation_id=correlation_id
        )
        return CartCheckoutResult.from_json(read_json(response, "checkout"))

    # -- orders (partner-center.md §5) -------------------------------------------------------------

    def get_order(
        self, customer_id: str, order_id: str, *, correlation_id: str | None = None
    ) -> Order:
        return self._get(
            f"/customers/{_seg(customer_id)}/orders/{_seg(order_id)}",
            Order.from_json,
            correlation_id=correlation_id,
        )

    def list_orders(
        self,
        customer_id: str,
        *,
        billing_type: str | None = None,
        correlation_id: str | None = None,
    ) -> Iterator[Order]:
        params = {"billingType": str(billing_type)} if billing_type else None
        return self._list(
            f"/customers/{_seg(customer_id)}/orders",
            Order.from_json,
            params=params,
            correlation_id=correlation_id,
        )

    def get_order_provisioning_status(
        self, customer_id: str, order_id: str, *, correlation_id: str | None = None
    ) -> list[OrderLineItemProvisioningStatus]:
        """App+User only."""
        path = f"/customers/{_seg(customer_id)}/orders/{_seg(order_id)}/provisioningstatus"
        return list(
            self._list(
                path,
                OrderLineItemProvisioningStatus.from_json,
                user=True,
                correlation_id=correlation_id,
            )
        )

    # -- entitlements (partner-center.md §6) -------------------------------------------------------

    def list_entitlements(
        self,
        customer_id: str,
        *,
        entitlement_type: str | None = None,
        show_expiry: bool = True,
        correlation_id: str | None = None,
    ) -> Iterator[Entitlement]:
        """App+User only."""
        params: dict[str, Any] = {"showExpiry": "true" if show_expiry else "false"}
        if entitlement_type:
            params["entitlementType"] = str(entitlement_type)
        return self._list(
            f"/customers/{_seg(customer_id)}/entitlements",
            Entitlement.from_json,
            params=params,
            user=True,
            correlation_id=correlation_id,
        )

    def get_reservation_details(
        self, link_or_uri: Any, *, correlation_id: str | None = None
    ) -> ReservedInstanceDetails:
        """Follow an artifact's ``link`` (a Link or its relative uri). App+User only."""
        uri = getattr(link_or_uri, "uri", link_or_uri)
        if not uri:
            raise ValueError("the artifact has no link")
        return self._get(
            uri, ReservedInstanceDetails.from_json, user=True, correlation_id=correlation_id
        )

    # -- billing (partner-center.md §7) ------------------------------------------------------------

    def get_account_balance(self, *, correlation_id: str | None = None) -> InvoiceSummary:
        return self._get(
            "/invoices/summary", InvoiceSummary.from_json, correlation_id=correlation_id
        )

    def list_invoice_summaries(
        self, *, correlation_id: str | None = None
    ) -> Iterator[InvoiceSummary]:
        """App+User only: one summary per currency."""
        return self._list(
            "/invoices/summaries",
            InvoiceSummary.from_json,
            user=True,
            correlation_id=correlation_id,
        )

    def list_invoices(
        self, *, page_size: int = 200, correlation_id: str | None = None
    ) -> Iterator[Invoice]:
        return self._list(
            "/invoices",
            Invoice.from_json,
            params={"size": page_size, "offset": 0},
            correlation_id=correlation_id,
        )

    def get_invoice(self, invoice_id: str, *, correlation_id: str | None = None) -> Invoice:
        """App+User only."""
        return self._get(
            f"/invoices/{_seg(invoice_id)}",
            Invoice.from_json,
            user=True,
            correlation_id=correlation_id,
        )

    def iter_invoice_line_item_pages(
        self,
        invoice_id: str,
        *,
        provider: str = "onetime",
        line_item_type: str = "billinglineitems",
        page_size: int = 2000,
        continuation_token: str | None = None,
        correlation_id: str | None = None,
        raw: bool = False,
    ) -> Iterator[LineItemPage]:
        """Pages of line items; each page's ``continuation_token`` resumes after it (None at the end).

        ``raw=True`` is a speed path: it skips the models, ``page.items`` are the JSON objects as
        received, unchecked (for bulk imports that read a few columns of millions of lines;
        ``OneTimeInvoiceLineItem.json_keys()`` names the keys, ``check_required`` checks the ids,
        ``partnercenter.models._base.parse_decimal``/``parse_datetime`` convert exactly as the
        models do; a raw reader must give the same values as the models)."""
        path = f"/invoices/{_seg(invoice_id)}/lineitems"
        params: dict[str, Any] = {
            "provider": provider,
            "invoicelineitemtype": line_item_type,
            "size": page_size,
        }
        if not continuation_token and provider.lower() not in ("onetime", "one_time"):
            params["offset"] = 0
        return self._line_item_pages(path, params, continuation_token, correlation_id, raw)

    def iter_unbilled_line_item_pages(
        self,
        *,
        currency: str,
        period: str = "current",
        page_size: int = 2000,
        continuation_token: str | None = None,
        correlation_id: str | None = None,
        raw: bool = False,
    ) -> Iterator[LineItemPage]:
        """Pages of the unbilled one-time billing lines of ``period`` (``current``|``previous``) in
        ``currency`` (the reconciliation form, invoice id ``unbilled``); seek-paged and resumable
        exactly like ``iter_invoice_line_item_pages``."""
        params: dict[str, Any] = {
            "provider": "onetime",
            "invoicelineitemtype": "billinglineitems",
            "currencycode": currency.lower(),
            "period": period,
            "size": page_size,
        }
        path = "/invoices/unbilled/lineitems"
        return self._line_item_pages(path, params, continuation_token, correlation_id, raw)

    def _line_item_pages(
        self,
        path: str,
        params: dict[str, Any],
        continuation_token: str | None,
        correlation_id: str | None,
        raw: bool,
    ) -> Iterator[LineItemPage]:
        headers = None
        if continuation_token:
            params["seekOperation"] = "Next"
            headers = {CONTINUATION_HEADER: continuation_token}
        pages = iter_pages(
            self._http,
            path,
            params=params,
            headers=headers,
            correlation_id=correlation_id,
            what=path,
        )
        for page in pages:
            if raw:
                yield LineItemPage(page.items, page.continuation_token)
            else:
                yield LineItemPage(
                    [parse_line_item(item) for item in page.items], page.continuation_token
                )

    def list_invoice_line_items(self, invoice_id: str, **kwargs: Any) -> Iterator[Any]:
        """All line items of an invoice, flattened (see ``iter_invoice_line_item_pages``)."""
        for page in self.iter_invoice_line_item_pages(invoice_id, **kwargs):
            yield from page.items

    def download_invoice_statement(
        self, invoice_id: str, *, chunk_size: int = 65536, correlation_id: str | None = None
    ) -> Iterator[bytes]:
        """The invoice PDF, streamed. App+User only."""
        response = self._http.request(
            "GET",
            f"/invoices/{_seg(invoice_id)}/documents/statement",
            user=True,
            stream=True,
            accept="application/pdf",
            correlation_id=correlation_id,
        )
        return _stream(response, chunk_size)

    def get_price_sheet(
        self, market: str, view: str, *, month: str | None = None, correlation_id: str | None = None
    ) -> Iterator[PriceSheetRow]:
        """Price sheet rows parsed while downloading (App+User; docs/partnercenter-interface.md)."""
        url = (
            f"{self.pricing_base_url}/v1.0/sales/pricesheets(Market='{_seg(market)}',"
            f"PricesheetView='{_seg(view)}')/$value"
        )
        params = {"timeline": "history", "month": month} if month else {"timeline": "current"}
        response = self._http.request(
            "GET",
            url,
            params=params,
            user=True,
            scopes=self.pricing_scopes,
            stream=True,
            accept="text/csv, application/octet-stream",
            headers={"Accept-Encoding": "identity"},
            correlation_id=correlation_id,
        )
        return iter_price_sheet(_stream(response, 65536))

    # -- App+User sign-in ------------------------------------------------------------------------

    def begin_user_sign_in(self, redirect_uri: str, **kwargs: Any) -> dict[str, Any]:
        """Start the auth-code flow; keep the returned dict (JSON-safe) and send the user to ``auth_uri``."""
        return self.auth.begin_user_sign_in(redirect_uri, **kwargs)

    def complete_user_sign_in(
        self, flow: dict[str, Any], query_params: Mapping[str, Any]
    ) -> SignedInUser:
        return self.auth.complete_user_sign_in(flow, dict(query_params))

    def signed_in_user(self) -> SignedInUser | None:
        return self.auth.signed_in_user()

    def sign_out_user(self) -> None:
        self.auth.sign_out_user()


def _stream(response: requests.Response, chunk_size: int) -> Iterator[bytes]:
    request_id = response.request.headers.get("MS-RequestId") if response.request else None
    correlation_id = response.request.headers.get("MS-CorrelationId") if response.request else None
    try:
        yield from response.iter_content(chunk_size=chunk_size)
    except requests.RequestException as exc:
        raise errors.ConnectionFailed(
            f"The download broke off: {exc}", request_id=request_id, correlation_id=correlation_id
        ) from exc
    finally:
        response.close()
