"""Markup rule pages: finance and admin edit, sales read; errors shown with nothing changed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from catalog.pricing.models import CustomerGroup, MarkupRule
from catalog.pricing.services import customer_group_create, markup_rule_create
from portal.models import AuditEvent
from tests.catalog.conftest import make_customer

FORM = {
    "description": "Software 15",
    "kind": "percent",
    "value": "15",
    "currency": "",
    "customer": "",
    "group": "",
    "family": "software",
    "product_id": "",
    "sku_id": "",
    "term_duration": "",
    "effective_from": "2026-01-01",
    "effective_to": "",
}


def form(**kw) -> dict:
    return {**FORM, **kw}


@pytest.fixture
def rule(finance_user):
    return markup_rule_create(
        actor=finance_user,
        data={"description": "Base", "kind": "percent", "value": Decimal(10),
              "effective_from": date(2026, 1, 1)},
    )  # fmt: skip


def test_finance_creates_a_rule(finance_client, finance_user):
    response = finance_client.post("/pricing/rules/new/", form())
    rule = MarkupRule.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/pricing/rules/{rule.pk}/"
    assert (rule.family, rule.value, rule.updated_by) == ("software", Decimal(15), finance_user)
    page = finance_client.get(response["Location"]).content.decode()
    assert "Software 15" in page and "15 % of cost" in page and "Software subscription" in page
    assert AuditEvent.objects.filter(action="pricing.rule_created", actor=finance_user).exists()


def test_sales_reads_but_cannot_edit(sales_client, rule):
    listing = sales_client.get("/pricing/rules/").content.decode()
    assert f"#{rule.pk} Base" in listing
    assert "/pricing/rules/new/" not in listing
    detail = sales_client.get(f"/pricing/rules/{rule.pk}/").content.decode()
    assert "/edit/" not in detail and "/delete/" not in detail
    assert sales_client.get("/pricing/rules/new/").status_code == 403
    assert sales_client.post("/pricing/rules/new/", form()).status_code == 403
    assert sales_client.post(f"/pricing/rules/{rule.pk}/delete/").status_code == 403
    assert MarkupRule.objects.count() == 1


def test_finance_sees_edit_links(finance_client, rule):
    listing = finance_client.get("/pricing/rules/").content.decode()
    assert "/pricing/rules/new/" in listing and "/pricing/groups/" in listing
    detail = finance_client.get(f"/pricing/rules/{rule.pk}/").content.decode()
    assert f"/pricing/rules/{rule.pk}/edit/" in detail


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (form(value="-150"), "makes every price negative"),
        (form(value="abc"), "Enter a number"),
        (form(kind="fixed"), "A fixed amount needs its currency"),
        (form(effective_to="2025-01-01"), "The last day is before the first day"),
        (form(sku_id="0001"), "needs the product id too"),
        (form(effective_from="2026-02-30"), "Enter a valid date"),
        (form(currency="US1", kind="fixed"), "three-letter"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(finance_client, data, message):
    response = finance_client.post("/pricing/rules/new/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The rule was not saved" in page and message in page
    assert not MarkupRule.objects.exists()


def test_overlap_on_edit_leaves_the_rule_unchanged(finance_client, finance_user, rule):
    MarkupRule.objects.filter(pk=rule.pk).update(effective_to=date(2026, 12, 31))
    later = markup_rule_create(
        actor=finance_user,
        data={"description": "Next year", "kind": "percent", "value": Decimal(12),
              "effective_from": date(2027, 1, 1)},
    )  # fmt: skip
    response = finance_client.post(
        f"/pricing/rules/{later.pk}/edit/",
        form(description="Next year", family="", value="99", effective_from="2026-06-01"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Rule #{rule.pk} Base has the same scope and overlapping dates" in page
    assert 'value="99"' in page  # what was typed stays in the form
    later.refresh_from_db()
    assert (later.value, later.effective_from) == (Decimal(12), date(2027, 1, 1))
    assert not AuditEvent.objects.filter(action="pricing.rule_changed").exists()


def test_edit_and_delete(finance_client, rule):
    response = finance_client.post(
        f"/pricing/rules/{rule.pk}/edit/", form(description="Base", family="", value="11")
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.value == Decimal(11)
    assert finance_client.post(f"/pricing/rules/{rule.pk}/delete/").status_code == 302
    assert not MarkupRule.objects.exists()
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["pricing.rule_created", "pricing.rule_changed", "pricing.rule_deleted"]


def test_list_filters_sort_and_csv(finance_client, finance_user):
    contoso = make_customer("Contoso")
    for description, extra in [
        ("Alpha", {"customer": contoso}),
        ("Beta", {"family": "perpetual"}),
        ("Gamma", {"effective_from": date(2099, 1, 1)}),
    ]:
        markup_rule_create(
            actor=finance_user,
            data={"description": description, "kind": "percent", "value": Decimal(5),
                  "effective_from": date(2026, 1, 1), **extra},
        )  # fmt: skip
    page = finance_client.get(f"/pricing/rules/?customer={contoso.pk}").content.decode()
    assert "Alpha" in page and "Beta" not in page
    page = finance_client.get("/pricing/rules/?family=perpetual").content.decode()
    assert "Beta" in page and "Alpha" not in page
    page = finance_client.get("/pricing/rules/?state=future").content.decode()
    assert "Gamma" in page and "Alpha" not in page
    page = finance_client.get("/pricing/rules/?sort=description").content.decode()
    assert page.index("Alpha") < page.index("Beta") < page.index("Gamma")
    page = finance_client.get("/pricing/rules/?sort=-description").content.decode()
    assert page.index("Gamma") < page.index("Beta") < page.index("Alpha")
    bad = finance_client.get("/pricing/rules/?customer=x")
    assert bad.status_code == 200 and "Customer must be a whole number" in bad.content.decode()

    csv = b"".join(
        finance_client.get("/pricing/rules/?family=perpetual&format=csv").streaming_content
    ).decode()
    lines = csv.lstrip("\ufeff").strip().splitlines()
    assert lines[0].startswith("id,description,kind,value")
    assert len(lines) == 2 and "Beta" in lines[1] and "perpetual" in lines[1]


def test_groups(finance_client, sales_client, finance_user):
    contoso, fabrikam = make_customer("Contoso"), make_customer("Fabrikam")
    response = finance_client.post(
        "/pricing/groups/new/", {"name": "Gold", "customers": [contoso.pk, fabrikam.pk]}
    )
    assert response.status_code == 302
    group = CustomerGroup.objects.get()
    assert set(group.customers.all()) == {contoso, fabrikam}
    page = sales_client.get("/pricing/groups/").content.decode()
    assert "Gold" in page and "Contoso" in page and "/pricing/groups/new/" not in page
    assert sales_client.post("/pricing/groups/new/", {"name": "X"}).status_code == 403

    markup_rule_create(
        actor=finance_user,
        data={"description": "Gold", "kind": "percent", "value": Decimal(5), "group": group,
              "effective_from": date(2026, 1, 1)},
    )  # fmt: skip
    response = finance_client.post(f"/pricing/groups/{group.pk}/delete/", follow=True)
    assert "is used by markup rules" in response.content.decode()
    assert CustomerGroup.objects.exists()
    other = customer_group_create(actor=finance_user, name="Silver", customers=[])
    finance_client.post(f"/pricing/groups/{other.pk}/delete/")
    assert not CustomerGroup.objects.filter(name="Silver").exists()


@pytest.mark.parametrize("bad", ["999999999999999999999999999999", "-1", "x", "0"])
def test_group_with_an_impossible_customer_id_is_refused(finance_client, bad):
    response = finance_client.post("/pricing/groups/new/", {"name": "Gold", "customers": [bad]})
    assert response.status_code == 200
    assert "is not a valid value" in response.content.decode()
    assert not CustomerGroup.objects.exists()


def test_rule_with_an_impossible_customer_id_is_refused(finance_client):
    response = finance_client.post(
        "/pricing/rules/new/", form(customer="999999999999999999999999999999")
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not MarkupRule.objects.exists()
