"""Inventory checks: ask Partner Center whether a SKU can be bought for a customer; record it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import InventoryCheck
from catalog.services._common import content_hash
from partnercenter.errors import PartnerCenterError
from portal.partner_center.client import get_client, new_operation_id
from portal.shared.audit import audit_record
from portal.shared.errors import PortalError, pc_error_message


def inventory_context_for(*, customer, sku, context: dict | None) -> dict[str, str]:
    """The inventoryContext for ``sku``: customerId from the customer, armRegionName from the SKU
    when not given, keys in Partner Center's camelCase."""
    names = {"customerid": "customerId", "azuresubscriptionid": "azureSubscriptionId",
             "armregionname": "armRegionName"}  # fmt: skip
    out: dict[str, str] = {}
    for key, value in (context or {}).items():
        if value in (None, ""):
            continue
        out[names.get(str(key).lower(), str(key))] = str(value).strip()
    out["customerId"] = str(customer.tenant_id)
    region = (sku.dynamic_attributes or {}).get("armRegionName")
    if region and "armRegionName" not in out:
        out["armRegionName"] = str(region)
    return out


def inventory_context_key(context: dict[str, str]) -> str:
    return content_hash(sorted((k.lower(), str(v).lower()) for k, v in context.items()))


def inventory_max_age() -> timedelta:
    return timedelta(minutes=settings.CATALOG_INVENTORY_CHECK_MAX_AGE_MINUTES)


def inventory_check_latest_passing(
    *, customer, sku, context: dict | None = None, max_age: timedelta | None = None
) -> InventoryCheck | None:
    """The newest passing check of ``sku`` for ``customer`` and the same context, not older than
    ``max_age`` (default ``CATALOG_INVENTORY_CHECK_MAX_AGE_MINUTES``, 60), or None.

    ``context`` is the inventory context (``azureSubscriptionId``, ``armRegionName``, ... ; key case
    is ignored; ``customerId`` and the SKU's region are filled in)."""
    ctx = inventory_context_for(customer=customer, sku=sku, context=context)
    cutoff = timezone.now() - (max_age if max_age is not None else inventory_max_age())
    return (
        InventoryCheck.objects.filter(
            customer=customer,
            sku=sku,
            context_key=inventory_context_key(ctx),
            state=InventoryCheck.State.AVAILABLE,
            checked_at__gte=cutoff,
        )
        .order_by("-checked_at")
        .first()
    )


def inventory_check_run(*, customer, sku, context: dict | None, actor=None) -> InventoryCheck:
    """Ask Partner Center whether ``sku`` can be bought for ``customer`` under ``context``.

    Records the check first, calls Partner Center outside any transaction, then stores the result
    (available / restricted with reasons / failed with the error sentence)."""
    ctx = inventory_context_for(customer=customer, sku=sku, context=context)
    missing = [
        v
        for v in sku.inventory_variables or []
        if v.lower() not in {k.lower() for k in ctx} and v.lower() != "customerid"
    ]
    if missing:
        raise PortalError(
            _("The inventory check of this SKU needs %(names)s; fill them in and retry.")
            % {"names": ", ".join(missing)}
        )
    check = InventoryCheck.objects.create(
        customer=customer,
        sku=sku,
        country=customer.country.upper(),
        context=ctx,
        context_key=inventory_context_key(ctx),
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        requested_at=timezone.now(),
        ms_request_id=str(uuid.uuid4()),
        correlation_id=new_operation_id(),
    )
    try:
        items = get_client().check_inventory(
            check.country,
            [{"productId": sku.product.product_id, "skuId": sku.sku_id}],
            ctx,
            request_id=check.ms_request_id,
            correlation_id=check.correlation_id,
        )
    except PartnerCenterError as exc:
        check.state = InventoryCheck.State.FAILED
        check.error = pc_error_message(exc, _("checking the inventory"))
    else:
        _record_answer(check, sku, items)
    check.checked_at = timezone.now()
    with transaction.atomic():
        check.save(update_fields=["state", "error", "restrictions", "checked_at"])
        audit_record(
            actor=actor,
            action="catalog.inventory_checked",
            obj=check,
            customer=customer,
            summary=f"Inventory check of {sku.title}: {check.get_state_display()}",
            sku=f"{sku.product.product_id}:{sku.sku_id}",
            context=ctx,
            state=check.state,
            request_id=check.ms_request_id,
        )
    return check


def _record_answer(check: InventoryCheck, sku, items) -> None:
    """Partner Center's answer for the SKU: available, restricted (with reasons) or not evaluated."""
    mine = [
        i
        for i in items
        if (i.sku_id or "").lower() == sku.sku_id.lower()
        and (i.product_id or "").lower() == sku.product.product_id.lower()
    ]
    if not mine:
        check.state = InventoryCheck.State.FAILED
        check.error = _(
            "Partner Center did not evaluate this SKU (it may no longer be sold); "
            "sync the catalog and retry."
        )
    elif any(i.is_restricted for i in mine):
        check.state = InventoryCheck.State.RESTRICTED
        check.restrictions = [
            {"reason_code": r.reason_code or "", "description": r.description or "",
             "properties": r.properties}
            for i in mine for r in i.restrictions
        ]  # fmt: skip
    else:
        check.state = InventoryCheck.State.AVAILABLE
