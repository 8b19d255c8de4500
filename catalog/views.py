"""Catalog pages for sales: browse/search SKUs, product and SKU pages, inventory check, sync."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog import rules, selectors
from catalog.forms import CatalogFilterForm, InventoryCheckForm
from catalog.pricing.services import price_lines_resale
from catalog.services.customer_catalog import (
    customer_catalog_kind,
    customer_catalog_read_if_never,
    customer_catalog_sync_enqueue,
)
from catalog.services.inventory_checks import inventory_check_run, inventory_max_age
from catalog.services.prices import (
    PRICE_SHEET_VIEWS,
    PRICE_SHEETS_KIND,
    price_sheet_sync_request,
)
from catalog.services.sync import catalog_sync_kind
from catalog.tasks import catalog_sync_task, price_sheets_sync_task
from portal.models import Customer, SyncState
from portal.shared.errors import PortalError
from portal.shared.htmx import render_page, wants_partial
from portal.shared.progress import sync_state
from portal.shared.roles import Role, role_required
from portal.shared.tables import csv_response, parse_sort


def _cart_add_url() -> str | None:
    try:
        return reverse("purchasing:cart_add")
    except NoReverseMatch:
        return None


def _row_blockers(sku, filters, customer, qualified: bool) -> list[str]:
    """Reasons shown in lists (no queries): gone, market rule, perpetual qualification."""
    reasons = []
    if not sku.is_available:
        reasons.append(_("No longer offered by Partner Center."))
    market = rules.market_rule_blocker(sku.product, filters.country)
    if market:
        reasons.append(market)
    if not qualified and rules.is_perpetual_software(sku.product):
        reasons.append(rules.perpetual_blocker(sku.product) or "")
    return reasons


# What reverse() leaves unquoted in a path (RFC 3986 sub-delimiters and path characters).
_PATH_SAFE = "!$&'()*+,;=/~:@"


def _table_rows(page_obj, filters, customer, qualified: bool) -> list[tuple]:
    """(SKU, purchase blockers) per row of a SKU table, each SKU with ``product_url`` and ``url``:
    one URL lookup per product on the page (a lookup per link costs more than the rest of a row),
    the SKU's link its product's plus the quoted SKU id, as reverse() builds it."""
    product_urls: dict[str, str] = {}
    rows = []
    for sku in page_obj:
        pid = sku.product.product_id
        if pid not in product_urls:
            product_urls[pid] = reverse("catalog:product", args=[pid])
        sku.product_url = product_urls[pid]
        sku.url = f"{sku.product_url}{quote(sku.sku_id, safe=_PATH_SAFE)}/"
        rows.append((sku, _row_blockers(sku, filters, customer, qualified)))
    return rows


def _skus_csv(filename: str, qs, filters, customer):
    """The SKU table as CSV, with the columns the page shows (and the product id under its name)."""
    qualified = rules.perpetual_software_qualified()

    def status(sku) -> str:
        blockers = _row_blockers(sku, filters, customer, qualified)
        # CSV cells stay machine-readable: English status words (docs/i18n.md).
        return "unavailable: " + " ".join(blockers) if blockers else "available"

    return csv_response(
        filename,
        [_("Product"), _("Product id"), _("SKU"), _("SKU id"), _("Billing"), _("Prerequisites"),
         _("Status")],
        (
            [s.product.title, s.product.product_id, s.title, s.sku_id,
             ", ".join(s.billing_cycles), " ".join(s.prerequisites), status(s)]
            for s in qs.select_related("product").iterator(chunk_size=2000)
        ),
    )  # fmt: skip


def _base_context(request, filters, customer) -> dict:
    customer_catalog = None
    if customer is not None:
        customer_catalog_read_if_never(customer=customer, actor=request.user)
        kind = customer_catalog_kind(customer)
        customer_catalog = sync_state(kind) or SyncState(kind=kind)
    return {
        "customer_catalog": customer_catalog,
        "filters": filters,
        "customer": customer,
        "customers": Customer.objects.filter(is_active=True).order_by("company_name")[:500],
        "countries": selectors.catalog_countries(),
        "view_tabs": selectors.VIEW_TABS,
        "segment_choices": selectors.SEGMENT_CHOICES,
        "cycles": selectors.BILLING_CYCLES,
        "terms": selectors.TERMS,
        "prereqs": selectors.PREREQUISITES,
        "market_blocked": (
            rules.market_name(filters.country)
            if filters.country in rules.software_subscription_unavailable_markets()
            else ""
        ),
    }


@role_required(Role.SALES)
def index(request):
    filters, customer = CatalogFilterForm(request.GET).parse()
    sort = parse_sort(request.GET, selectors.SKU_SORTS, "product")
    qs = selectors.sku_ordered(selectors.sku_list(filters), sort.field, filters)
    if request.GET.get("format") == "csv":
        return _skus_csv("catalog.csv", qs, filters, customer)
    key = selectors.filters_key(filters, "index", sort.field)
    page_obj = selectors.sku_page(request.GET, qs, key=key)
    qualified = rules.perpetual_software_qualified()
    context = _base_context(request, filters, customer) | {
        "page_obj": page_obj,
        "rows": _table_rows(page_obj, filters, customer, qualified),
        # The table's HTML is cached under these and the request's language and full path.
        "rows_cache": (page_obj.catalog_version, qualified),
        "sort": sort,
        "sync": sync_state(catalog_sync_kind(filters.country)) if filters.country else None,
    }
    return render_page(request, "catalog/index.html", context, part="results")


@role_required(Role.SALES)
def product_detail(request, product_id: str):
    product = selectors.product_get(product_id)
    if product is None:
        raise Http404(_("No such product in the synced catalog."))
    filters, customer = CatalogFilterForm(request.GET).parse()
    sort = parse_sort(request.GET, selectors.SKU_SORTS, "title")
    qs = selectors.sku_list(filters).filter(product=product).order_by(sort.field, "pk")
    if request.GET.get("format") == "csv":
        return _skus_csv(f"catalog-{product.product_id}.csv", qs, filters, customer)
    page_obj = selectors.sku_page(request.GET, qs)
    rows = _table_rows(page_obj, filters, customer, rules.perpetual_software_qualified())
    context = _base_context(request, filters, customer) | {
        "product": product,
        "page_obj": page_obj,
        "rows": rows,
        "sort": sort,
    }
    return render_page(request, "catalog/product.html", context, part="skus")


def _sku_context(request, sku, filters, customer, form=None, check=None) -> dict:
    availabilities = selectors.sku_availabilities(
        sku, country=filters.country, segment=filters.segment, offered_to=filters.offered_to
    )
    prices = selectors.sku_prices(sku, availabilities)
    cart_add_url = _cart_add_url()
    rows = []
    for a in availabilities:
        a.sku = sku  # already loaded with its product: no query per row
        blockers = rules.purchase_blockers(availability=a, customer=customer)
        rows.append({"availability": a, "blockers": blockers, "prices": prices.get(a.pk, [])})
    price_lines_resale(customer=customer, sku=sku, lines=[p for r in rows for p in r["prices"]])
    if form is None:
        initial = {"customer": customer.pk} if customer else {}
        form = InventoryCheckForm(sku=sku, initial=initial)
    subscriptions = []
    if customer is not None:
        subscriptions = list(
            customer.subscriptions.filter(is_active=True).order_by("friendly_name")[:100]
        )
    requirements, provisioning = selectors.sku_requirements(sku)
    return _base_context(request, filters, customer) | {
        "requirements": requirements,
        "provisioning": provisioning,
        "sku": sku,
        "product": sku.product,
        "rows": rows,
        "cart_add_url": cart_add_url,
        "form": form,
        "check": check,
        "subscriptions": subscriptions,
        "recent_checks": selectors.inventory_checks_recent(sku=sku, customer=customer),
        "max_age_minutes": int(inventory_max_age().total_seconds() // 60),
    }


@role_required(Role.SALES)
def sku_detail(request, product_id: str, sku_id: str):
    sku = selectors.sku_get(product_id, sku_id)
    if sku is None:
        raise Http404(_("No such SKU in the synced catalog."))
    filters, customer = CatalogFilterForm(request.GET).parse()
    return render(request, "catalog/sku.html", _sku_context(request, sku, filters, customer))


@role_required(Role.SALES)
@require_POST
def inventory_check(request, product_id: str, sku_id: str):
    sku = selectors.sku_get(product_id, sku_id)
    if sku is None:
        raise Http404(_("No such SKU in the synced catalog."))
    form = InventoryCheckForm(request.POST, sku=sku)
    check = None
    error = ""
    customer = None
    if form.is_valid():
        customer = form.cleaned_data["customer"]
        try:
            check = inventory_check_run(
                customer=customer, sku=sku, context=form.context(), actor=request.user
            )
        except PortalError as exc:
            error = exc.message
    filters = CatalogFilterForm({"customer": customer.pk} if customer else {}).parse()[0]
    context = _sku_context(request, sku, filters, customer, form=form, check=check)
    context["check_error"] = error
    # HTMX swaps only a 200 answer: the partial shows the form's errors itself.
    status = 200 if form.is_valid() or wants_partial(request) else 400
    return render_page(request, "catalog/sku.html", context, part="inventory", status=status)


@role_required(Role.SALES, Role.ADMIN)
@require_POST
def sync_start(request):
    """Queue a catalog sync of one country (Celery) and go back to the catalog page."""
    country = (request.POST.get("country") or "").strip().upper()
    target = reverse("catalog:index") + (f"?country={country}" if country else "")
    if len(country) != 2 or not country.isalpha():
        messages.error(request, _("Choose a country (two-letter code, e.g. US) to sync."))
        return HttpResponseRedirect(reverse("catalog:index"))
    transaction.on_commit(lambda: catalog_sync_task.delay(country))
    messages.success(
        request,
        _("Catalog sync of %(country)s queued; progress shows below.") % {"country": country},
    )
    return HttpResponseRedirect(target)


@role_required(Role.ADMIN)
def price_sheets(request):
    """Price sheets per market in use: current prices, last sync, and the sync button."""
    return render(
        request,
        "catalog/price_sheets.html",
        {
            "state": sync_state(PRICE_SHEETS_KIND) or SyncState(kind=PRICE_SHEETS_KIND),
            "sheets": selectors.price_sheet_overview(PRICE_SHEET_VIEWS),
        },
    )


@role_required(Role.ADMIN)
@require_POST
def price_sheets_sync(request):
    """Queue a price-sheet sync of every market in use (Celery); progress shows on the page."""
    if price_sheet_sync_request(actor=request.user):
        transaction.on_commit(lambda: price_sheets_sync_task.delay())
        messages.success(request, _("Price sheet sync queued; progress shows below."))
    else:
        messages.info(request, _("A price sheet sync is already running; progress shows below."))
    return HttpResponseRedirect(reverse("catalog:price_sheets"))


@role_required(Role.SALES)
@require_POST
def customer_catalog(request, customer_pk: int):
    """Queue a read of the customer's own catalog (customer-scoped routes); progress on the page."""
    customer = Customer.objects.filter(pk=customer_pk, is_active=True).first()
    if customer is None:
        raise Http404(_("No such customer."))
    customer_catalog_sync_enqueue(customer=customer, actor=request.user)
    messages.success(
        request,
        _("Reading the catalog Partner Center offers %(name)s.") % {"name": customer.company_name},
    )
    return HttpResponseRedirect(f"{reverse('catalog:index')}?customer={customer.pk}")
