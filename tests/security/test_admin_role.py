"""The Django admin is fit for the admin role: the staff editor offers no superuser, permission
or arbitrary group fields; only a superuser grants the admin role or touches a superuser or
another admin; audit events cannot be added, changed or deleted by anyone (down to the database);
Partner Center mirrors are read-only."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError
from django.test import Client

from portal.models import AuditEvent, AuditLogIsAppendOnly, Customer
from portal.shared.roles import Role, user_roles
from tests.conftest import _make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    admin = _make_user("adele", ["admin"])
    other_admin = _make_user("otto", ["admin"])
    finance = _make_user("fiona", ["finance"])
    sales = _make_user("sid", ["sales"])
    root = _make_user("root", [])
    root.is_superuser = root.is_staff = True
    root.save()
    client = Client()
    client.force_login(admin)
    return {
        "admin": admin,
        "other_admin": other_admin,
        "finance": finance,
        "sales": sales,
        "root": root,
        "client": client,
    }


def _change_form(user, **overrides):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def _url(user, suffix="change/"):
    return f"/django-admin/auth/user/{user.pk}/{suffix}"


def test_admin_cannot_make_themselves_superuser(people):
    admin, client = people["admin"], people["client"]
    page = client.get(_url(admin))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="is_superuser"' not in html
    assert 'name="user_permissions"' not in html
    assert 'name="groups"' not in html
    perm = Permission.objects.get(codename="view_invoice")
    other = Group.objects.create(name="other")
    response = client.post(
        _url(admin),
        _change_form(
            admin,
            is_superuser="on",
            user_permissions=[perm.pk],
            groups=[other.pk],
            roles=["admin", "finance"],
        ),
    )
    assert response.status_code == 302
    admin.refresh_from_db()
    assert not admin.is_superuser
    assert not admin.user_permissions.exists()
    assert set(admin.groups.values_list("name", flat=True)) == {"admin"}  # own roles: unchanged
    assert client.get("/billing/").status_code == 403


def test_admin_grants_sales_and_finance_but_not_admin(people):
    client, sales = people["client"], people["sales"]
    response = client.post(_url(sales), _change_form(sales, roles=["sales", "finance"]))
    assert response.status_code == 302
    sales = type(sales).objects.get(pk=sales.pk)
    assert user_roles(sales) == {Role.SALES, Role.FINANCE}
    assert AuditEvent.objects.filter(action="staff.roles_changed").exists()
    response = client.post(_url(sales), _change_form(sales, roles=["sales", "admin"]))
    assert response.status_code == 200  # the form again, with an error
    sales = type(sales).objects.get(pk=sales.pk)
    assert Role.ADMIN not in user_roles(sales) and not sales.is_staff


def test_admin_cannot_touch_superusers_or_other_admins(people):
    client = people["client"]
    for target in (people["root"], people["other_admin"]):
        page = client.get(_url(target))
        assert page.status_code == 200 and 'name="username"' not in page.content.decode()
        before = type(target).objects.get(pk=target.pk).password
        response = client.post(
            _url(target, "password/"),
            {
                "password1": "Zz-new-pass-4821",
                "password2": "Zz-new-pass-4821",
                "usable_password": "true",
            },
        )
        assert response.status_code == 403
        response = client.post(_url(target), _change_form(target, is_active=""))
        assert response.status_code == 403
        target.refresh_from_db()
        assert target.password == before and target.is_active


def test_superuser_grants_the_admin_role(people):
    client = Client()
    client.force_login(people["root"])
    sales = people["sales"]
    response = client.post(_url(sales), _change_form(sales, roles=["admin"]))
    assert response.status_code == 302
    sales = type(sales).objects.get(pk=sales.pk)
    assert user_roles(sales) == {Role.ADMIN} and sales.is_staff


def test_admin_password_reset_of_finance_is_audited(people):
    client, finance = people["client"], people["finance"]
    response = client.post(
        _url(finance, "password/"),
        {
            "password1": "Zz-new-pass-4821",
            "password2": "Zz-new-pass-4821",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="staff.password_set")
    assert event.actor == people["admin"] and event.object_id == str(finance.pk)


def test_no_audit_event_added_changed_or_deleted_in_the_admin(people):
    client = people["client"]
    event = AuditEvent.objects.create(actor_name="x", action="cart.line_added", summary="real")
    assert client.get("/django-admin/portal/auditevent/add/").status_code == 403
    response = client.post(
        "/django-admin/portal/auditevent/add/",
        {"actor": people["finance"].pk, "actor_name": "fiona", "action": "checkout.submitted"},
    )
    assert response.status_code == 403
    response = client.post(
        f"/django-admin/portal/auditevent/{event.pk}/change/", {"summary": "forged"}
    )
    assert response.status_code == 403
    response = client.post(f"/django-admin/portal/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert list(AuditEvent.objects.values_list("summary", flat=True)) == ["real"]


def test_audit_log_is_append_only_below_the_admin(people):
    event = AuditEvent.objects.create(actor=people["sales"], actor_name="sid", action="x.y")
    event.summary = "forged"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(summary="forged")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    # The database itself refuses a raw UPDATE (and on PostgreSQL a raw DELETE).
    table = AuditEvent._meta.db_table
    with (
        pytest.raises((IntegrityError, DatabaseError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET summary = 'forged' WHERE id = %s", [event.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])
    # Deleting the user keeps the event, with its actor set to NULL and the name kept.
    people["sales"].delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor_id is None and event.actor_name == "sid" and event.summary == ""


def test_partner_center_mirrors_are_read_only(people):
    client = people["client"]
    customer = Customer.objects.create(
        tenant_id=uuid.uuid4(), company_name="Mirror Co", country="US", raw={"id": "x"}
    )
    url = f"/django-admin/portal/customer/{customer.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200  # view only
    assert 'name="tenant_id"' not in page.content.decode()
    response = client.post(
        url,
        {
            "tenant_id": str(uuid.uuid4()),
            "company_name": "Hacked",
            "country": "US",
            "raw": '{"id": "forged"}',
            "segment": "commercial",
        },
    )
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.company_name == "Mirror Co" and customer.raw == {"id": "x"}
    assert client.get("/django-admin/portal/customer/add/").status_code == 403
