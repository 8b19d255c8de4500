"""The Partner Center client's billing operations (invoices, line items, statements, price
sheets), a mixin of ``partnercenter.client.Client`` kept apart to keep each module small: its
methods use the client's ``_get``/``_list``, ``_http`` and pricing settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from . import errors
from ._path import _seg
from .models import Invoice, InvoiceSummary, LineItemPage, PriceSheetRow
from .models.billing import parse_line_item
from .models.pricesheet import iter_price_sheet
from .paging import CONTINUATION_HEADER, iter_pages


class BillingMixin:
    """Billing operations of the Partner Center client."""

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
