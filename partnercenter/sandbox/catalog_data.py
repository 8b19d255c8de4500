"""The sandbox catalog's hand-written part: target views, segments, regions and terms, the builders
of products and SKUs, and the curated items every kind of one-time purchase touches."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from partnercenter.sandbox.common import ID_ALPHABET, norm

TARGET_VIEWS = {
    norm(v): v
    for v in (
        "Azure", "AzureReservations", "AzureReservationsVM", "AzureReservationsSQL",
        "AzureReservationsCosmosDb", "MicrosoftAzure", "OnlineServices", "Software",
        "SoftwareSUSELinux", "SoftwarePerpetual", "SoftwareSubscriptions",
    )
}  # fmt: skip


SEGMENTS = {norm(s): s for s in ("commercial", "education", "government", "nonprofit")}


RESERVATION_KINDS = {"ri_vm", "ri_sql", "ri_cosmos", "ri_other"}


VIEWS_BY_KIND = {
    "ri_vm": ["AzureReservationsVM", "AzureReservations", "Azure"],
    "ri_sql": ["AzureReservationsSQL", "AzureReservations", "Azure"],
    "ri_cosmos": ["AzureReservationsCosmosDb", "AzureReservations", "Azure"],
    "ri_other": ["AzureReservations", "Azure"],
    "azure": ["MicrosoftAzure"],
    "perpetual": ["Software", "SoftwarePerpetual"],
    "softsub": ["Software", "SoftwareSubscriptions"],
    "suse": ["Software", "SoftwareSUSELinux"],
    "nce": ["OnlineServices"],
}


SEGMENTS_BY_KIND = {
    "perpetual": ["commercial", "education", "nonprofit"],
    "softsub": ["commercial", "education"],
    "nce": ["commercial", "education", "nonprofit"],
}


REGIONS = [
    ("eastus", "US East"), ("eastus2", "US East 2"), ("westus2", "US West 2"),
    ("westeurope", "EU West"), ("northeurope", "EU North"), ("uksouth", "UK South"),
    ("germanywestcentral", "DE West Central"), ("japaneast", "JA East"), ("japanwest", "JA West"),
    ("brazilsouth", "BR South"), ("eastasia", "AP East"), ("southeastasia", "AP Southeast"),
    ("australiaeast", "AU East"), ("centralindia", "IN Central"),
]  # fmt: skip


DURATIONS = [("1Year", "1 Year", "P1Y", Decimal("1")), ("3Years", "3 Years", "P3Y", Decimal("2.2"))]


RI_VM_PREREQS = ["InventoryCheck", "AzureSubscriptionRegistration"]


RI_PROVISIONING = ["Scope", "SubscriptionId", "Duration"]


def sku_code(index: int) -> str:
    """4-char SKU id: ``0001``, ``0002``, ... in the Partner Center alphabet."""
    n, chars = index + 1, []
    for _ in range(4):
        n, rem = divmod(n, len(ID_ALPHABET))
        chars.append(ID_ALPHABET[rem])
    return "".join(reversed(chars))


# -- generation ----------------------------------------------------------------------------------
def _product(
    pid: str, kind: str, title: str, description: str, ptype: tuple, publisher="Microsoft"
):
    product_type: dict[str, Any] = {"id": ptype[0], "displayName": ptype[0]}
    if len(ptype) > 1:
        product_type["subType"] = {"id": ptype[1], "displayName": ptype[1]}
    return {
        "id": pid, "title": title, "description": description, "productType": product_type,
        "isMicrosoftProduct": publisher.startswith("Microsoft"), "publisherName": publisher,
        "_kind": kind,
    }  # fmt: skip


def _sku(product: dict, index: int, title: str, price: Decimal, **fields: Any) -> dict:
    sku = {
        "id": sku_code(index), "productId": product["id"], "title": title,
        "description": fields.pop("description", title), "minimumQuantity": 1,
        "maximumQuantity": 999999999, "isTrial": False, "supportedBillingCycles": ["one_time"],
        "purchasePrerequisites": [], "inventoryVariables": [], "provisioningVariables": [],
        "dynamicAttributes": {}, "_price": str(price), "_terms": [],
    }  # fmt: skip
    sku.update(fields)
    return sku


def _vm_family(pid: str, series: str, sizes: list, regions: list, start: int = 0):
    product = _product(
        pid, "ri_vm", f"Virtual Machines {series} Series",
        f"Reserved Virtual Machine Instances of the {series} series.", ("Azure", "VirtualMachines"),
    )  # fmt: skip
    skus, i = [], start
    for arm, cores, ram in sizes:
        for region, region_name in regions:
            for dur, dur_title, term, factor in DURATIONS:
                title = f"Reserved VM Instance, {arm}, {region_name}, {dur_title}"
                price = (Decimal(cores) * Decimal("262.80") + Decimal(ram) * 9) * factor
                skus.append(_sku(
                    product, i, title, price.quantize(Decimal("0.01")),
                    description=title.replace("Reserved VM", "Reserved Virtual Machines"),
                    purchasePrerequisites=list(RI_VM_PREREQS),
                    inventoryVariables=["CustomerId", "AzureSubscriptionId", "ArmRegionName"],
                    provisioningVariables=list(RI_PROVISIONING),
                    dynamicAttributes={
                        "armSkuName": arm, "cores": str(cores), "ram": str(ram),
                        "skuDisplayName": arm.removeprefix("Standard_").replace("_", " "),
                        "category": "General purpose", "armRegionName": region,
                        "duration": dur, "region": region_name, "diskType": "Ssd",
                        "reservationType": "virtualmachines",
                    },
                    _terms=[{"duration": term, "description": f"{dur_title} Prepaid"}],
                ))  # fmt: skip
                i += 1
    return product, skus


def _reservation(pid, kind, title, ptype, variants, reservation_type):
    product = _product(pid, kind, title, f"Azure reservation for {title}.", ("Azure", ptype))
    skus = []
    for i, (name, region, base) in enumerate(variants):
        for j, (dur, dur_title, term, factor) in enumerate(DURATIONS):
            region_name = dict(REGIONS).get(region, "Global")
            sku_title = f"{title}, {name}, {region_name}, {dur_title}"
            skus.append(_sku(
                product, i * 2 + j, sku_title, (Decimal(base) * factor).quantize(Decimal("0.01")),
                purchasePrerequisites=["AzureSubscriptionRegistration"],
                provisioningVariables=list(RI_PROVISIONING),
                dynamicAttributes={"armRegionName": region, "duration": dur, "region": region_name,
                                   "skuDisplayName": name, "reservationType": reservation_type},
                _terms=[{"duration": term, "description": f"{dur_title} Prepaid"}],
            ))  # fmt: skip
    return product, skus


def _software(pid, kind, title, variants, publisher="Microsoft Corporation"):
    ptype = {"perpetual": ("Software", "Perpetual"), "softsub": ("Software", "Subscription"),
             "suse": ("Software", "SUSELinux")}[kind]  # fmt: skip
    product = _product(
        pid, kind, title, f"{title} ({ptype[1].lower()} software).", ptype, publisher
    )
    skus = []
    for i, (name, price, qmin, qmax) in enumerate(variants):
        terms = (
            []
            if kind == "perpetual"
            else [{"duration": "P1Y", "description": "1 Year Subscription"}]
        )
        if kind == "softsub" and i % 2:
            terms = [{"duration": "P3Y", "description": "3 Year Subscription"}]
        skus.append(_sku(
            product, i, f"{title} - {name}", Decimal(price), minimumQuantity=qmin, maximumQuantity=qmax,
            dynamicAttributes={"isMicrosoftProduct": publisher.startswith("Microsoft"), "category": kind},
            _terms=terms,
        ))  # fmt: skip
    return product, skus


def _nce(pid, title, price, qmax=300):
    product = _product(
        pid, "nce", title, f"{title} (new commerce license).", ("OnlineServicesNCE",)
    )
    sku = _sku(
        product, 0, title, Decimal(price), maximumQuantity=qmax,
        supportedBillingCycles=["monthly", "annual"],
        purchasePrerequisites=["MicrosoftCloudAgreement"],
        dynamicAttributes={"isMicrosoftProduct": True, "billingType": "license", "isAddon": False,
                           "isAutoRenewable": True, "unitType": "Licenses"},
        _terms=[
            {"duration": "P1M", "description": "One-Month commitment for monthly/yearly billing",
             "billingCycle": "monthly",
             "cancellationPolicies": [{"refundOptions": [{"sequenceId": 1, "type": "Full", "expiresAfter": "P1D"}]}]},
            {"duration": "P1Y", "description": "One-Year commitment for monthly/yearly billing",
             "billingCycle": "annual",
             "cancellationPolicies": [{"refundOptions": [{"sequenceId": 1, "type": "Full", "expiresAfter": "P1D"}]}]},
        ],
    )  # fmt: skip
    return product, [sku]


AZURE_PLAN_PRODUCT = "DZH318Z0BPS6"


def curated() -> list[tuple[dict, list[dict]]]:
    """The hand-written catalog: every kind of item the one-time purchase flow touches."""
    five = [REGIONS[i] for i in (0, 2, 3, 8, 9)]
    return [
        _vm_family("DZH318Z0BQ3Q", "DSv3",
                   [("Standard_D2s_v3", 2, 8), ("Standard_D4s_v3", 4, 16)], five),
        _vm_family("DZH318Z0BQ4Z", "NVv3", [("Standard_NV12s_v3", 12, 112)], five[:3]),
        _reservation("DZH318Z0BQ5S", "ri_sql", "SQL Database", "SQLDatabases",
                     [("General Purpose Gen5 vCore", "eastus", "1093.08"),
                      ("Business Critical Gen5 vCore", "westeurope", "2937.60")], "sqldatabases"),
        _reservation("DZH318Z0BQ6C", "ri_cosmos", "Azure Cosmos DB", "CosmosDb",
                     [("100 RU/s", "global", "70.08"), ("1,000 RU/s", "global", "700.80")], "cosmosdb"),
        _reservation("DZH318Z0BQ7A", "ri_other", "App Service", "AppService",
                     [("Premium v3 P1v3", "eastus", "1125.00")], "appservice"),
        _software("DG7GMGF0DWTL", "perpetual", "SQL Server 2019 Standard",
                  [("2 Core License Pack", "3586.00", 1, 1000), ("Server License", "899.00", 1, 1000)]),
        _software("DG7GMGF0DWTK", "perpetual", "Windows Server 2019 Datacenter",
                  [("16 Core License", "6155.00", 1, 100)]),
        _software("DG7GMGF0FKZV", "softsub", "Windows Server 2022 Standard - 2 Core License Pack",
                  [("1 year", "111.60", 8, 500), ("3 year", "334.80", 8, 500)]),
        _software("DG7GMGF0FLR2", "softsub", "SQL Server 2022 Standard - 2 Core",
                  [("1 year", "1859.00", 1, 200), ("3 year", "5577.00", 1, 200)]),
        _software("DG7GMGF0G49X", "suse", "SUSE Linux Enterprise Server Priority",
                  [("1-2 vCPU VM Support", "1130.00", 1, 100)], publisher="SUSE"),
        _nce("CFQ7TTC0LH18", "Microsoft 365 Business Basic", "6.00"),
        _nce("CFQ7TTC0LDPB", "Microsoft 365 Business Standard", "12.50"),
        (_product(AZURE_PLAN_PRODUCT, "azure", "Azure plan", "Azure plan (pay as you go).", ("Azure",)),
         [_sku({"id": AZURE_PLAN_PRODUCT}, 0, "Azure plan", Decimal("0"), maximumQuantity=1,
               supportedBillingCycles=["monthly"], purchasePrerequisites=["MicrosoftCustomerAgreement"])]),
    ]  # fmt: skip
