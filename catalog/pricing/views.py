"""Markup rule and customer group pages: finance and admin edit, sales read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalog.pricing import selectors, services
from catalog.pricing.forms import CustomerGroupForm, MarkupRuleForm
from catalog.pricing.models import CustomerGroup, MarkupRule, ProductFamily
from portal.models import Customer
from portal.shared.errors import PortalError
from portal.shared.exports import Column, cell_date, export_csv, wants_csv
from portal.shared.htmx import render_page
from portal.shared.roles import Role, role_required
from portal.shared.tables import paginate, parse_sort

READERS = (Role.SALES, Role.FINANCE, Role.ADMIN)
EDITORS = (Role.FINANCE, Role.ADMIN)

RULE_COLUMNS = [
    Column(gettext_lazy("id"), lambda r: r.pk),
    Column(gettext_lazy("description"), lambda r: r.description),
    Column(gettext_lazy("kind"), lambda r: r.kind),
    Column(gettext_lazy("value"), lambda r: str(r.value)),
    Column(gettext_lazy("currency"), lambda r: r.currency),
    Column(gettext_lazy("customer"), lambda r: r.customer.company_name if r.customer else ""),
    Column(gettext_lazy("customer group"), lambda r: r.group.name if r.group else ""),
    Column(gettext_lazy("family"), lambda r: r.family),
    Column(gettext_lazy("product id"), lambda r: r.product_id),
    Column(gettext_lazy("sku id"), lambda r: r.sku_id),
    Column(gettext_lazy("term"), lambda r: r.term_duration),
    Column(gettext_lazy("effective from"), lambda r: cell_date(r.effective_from)),
    Column(gettext_lazy("effective to"), lambda r: cell_date(r.effective_to)),
    Column(gettext_lazy("allow negative"), lambda r: "yes" if r.allow_negative else "no"),
]


@role_required(*READERS)
def rule_list(request):
    qs, filters, errors = selectors.rules_filtered(request.GET)
    sort = parse_sort(request.GET, selectors.RULE_SORTS, "-from")
    qs = qs.order_by(sort.field, "-pk")
    if wants_csv(request):
        return export_csv("markup-rules", RULE_COLUMNS, qs.iterator(chunk_size=500))
    for error in errors:
        messages.error(request, error)
    context = {
        "page_obj": paginate(request.GET, qs),
        "filters": filters,
        "sort": sort,
        "customers": Customer.objects.filter(markup_rules__isnull=False).distinct(),
        "groups": CustomerGroup.objects.all(),
        "families": ProductFamily.choices,
        "kinds": MarkupRule.Kind.choices,
        "states": selectors.STATES.items(),
    }
    return render_page(request, "pricing/rules.html", context, part="table")


@role_required(*READERS)
def rule_detail(request, pk: int):
    rule = get_object_or_404(MarkupRule.objects.select_related("customer", "group"), pk=pk)
    return render(request, "pricing/rule_detail.html", {"rule": rule})


def _save(request, form, save, success: str):
    """Call the service with the form's data; a refusal lands on the form (nothing saved)."""
    if form.is_valid():
        try:
            rule = save(form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, success % {"rule": rule.label})
            return redirect("pricing:rule", rule.pk)
    return None


@role_required(*EDITORS)
def rule_create(request):
    form = MarkupRuleForm(request.POST or None)
    if request.method == "POST":
        done = _save(
            request,
            form,
            lambda data: services.markup_rule_create(actor=request.user, data=data),
            _("Markup rule %(rule)s created."),
        )
        if done:
            return done
    return render(request, "pricing/rule_form.html", {"form": form, "rule": None})


@role_required(*EDITORS)
def rule_edit(request, pk: int):
    rule = get_object_or_404(MarkupRule, pk=pk)
    form = MarkupRuleForm(request.POST or None, instance=MarkupRule.objects.get(pk=pk))
    if request.method == "POST":
        done = _save(
            request,
            form,
            lambda data: services.markup_rule_update(rule=rule, actor=request.user, data=data),
            _("Markup rule %(rule)s saved; orders keep the prices they were placed at."),
        )
        if done:
            return done
    return render(request, "pricing/rule_form.html", {"form": form, "rule": rule})


@role_required(*EDITORS)
@require_POST
def rule_delete(request, pk: int):
    rule = get_object_or_404(MarkupRule, pk=pk)
    label = rule.label
    services.markup_rule_delete(rule=rule, actor=request.user)
    messages.success(request, _("Markup rule %(rule)s deleted.") % {"rule": label})
    return redirect("pricing:rules")


# -- customer groups -----------------------------------------------------------------------------


@role_required(*READERS)
def group_list(request):
    groups = selectors.groups_with_counts().prefetch_related("customers")
    return render(request, "pricing/groups.html", {"groups": groups})


@role_required(*EDITORS)
def group_create(request):
    form = CustomerGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        group = services.customer_group_create(
            actor=request.user,
            name=form.cleaned_data["name"],
            customers=list(form.cleaned_data["customers"]),
        )
        messages.success(request, _("Customer group %(name)s created.") % {"name": group.name})
        return redirect("pricing:groups")
    return render(request, "pricing/group_form.html", {"form": form, "group": None})


@role_required(*EDITORS)
def group_edit(request, pk: int):
    group = get_object_or_404(CustomerGroup, pk=pk)
    form = CustomerGroupForm(request.POST or None, instance=CustomerGroup.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        services.customer_group_update(
            group=group,
            actor=request.user,
            name=form.cleaned_data["name"],
            customers=list(form.cleaned_data["customers"]),
        )
        messages.success(request, _("Customer group %(name)s saved.") % {"name": group.name})
        return redirect("pricing:groups")
    return render(request, "pricing/group_form.html", {"form": form, "group": group})


@role_required(*EDITORS)
@require_POST
def group_delete(request, pk: int):
    group = get_object_or_404(CustomerGroup, pk=pk)
    try:
        services.customer_group_delete(group=group, actor=request.user)
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Customer group %(name)s deleted.") % {"name": group.name})
    return redirect("pricing:groups")
