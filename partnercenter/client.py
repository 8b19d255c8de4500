"""The Partner Center REST client: one method per operation, typed results, lazy lists."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import requests

from . import errors
from ._path import _seg
from .auth import MsalAuth, SignedInUser, TokenCacheStore
from .client_billing import BillingMixin
from .client_catalog import CatalogMixin
from .clouds import CLOUDS, PRICING_RESOURCE
from .http import PartnerCenterSession, Transport
from .models import (
    Cart,
    CartCheckoutResult,
    CartLineItem,
    Customer,
    Entitlement,
    Order,
    OrderLineItemProvisioningStatus,
    RegistrationState,
    RegistrationStatus,
    ReservedInstanceDetails,
    Subscription,
    SubscriptionProvisioningStatus,
)
from .paging import iter_items, iter_pages, read_json

LineItemInput = CartLineItem | Mapping[str, Any]


class Client(CatalogMixin, BillingMixin):
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
