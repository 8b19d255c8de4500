"""Staff accounts, roles, login and the time zone dates are shown in."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.models import AuditEvent
from portal.shared.roles import Role, user_roles


@pytest.mark.django_db
def test_createstaff_gives_exactly_the_roles(django_user_model):
    call_command(
        "createstaff", "maria", "--role", "sales", "--role", "finance", "--password", "pw-12345678"
    )
    user = django_user_model.objects.get(username="maria")
    assert user_roles(user) == {Role.SALES, Role.FINANCE}
    assert user.check_password("pw-12345678")
    assert not user.is_staff  # only admins reach the Django admin
    call_command("createstaff", "maria", "--role", "admin", "--password", "pw-12345678")
    user = django_user_model.objects.get(username="maria")
    assert user_roles(user) == {Role.ADMIN} and user.is_staff


@pytest.mark.django_db
def test_createstaff_without_password_fails_clearly(monkeypatch):
    monkeypatch.delenv("PORTAL_STAFF_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="password"):
        call_command("createstaff", "x", "--role", "sales", interactive=False)


@pytest.mark.django_db
def test_demo_users_can_sign_in(client, settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")  # safe to run again
    for username in ("sales", "finance", "admin"):
        assert client.login(username=username, password=settings.PORTAL_DEMO_PASSWORD)
        page = client.get("/")
        assert page.status_code == 200
        assert f"Signed in as {username}" in page.content.decode()
        client.logout()


@pytest.mark.django_db
def test_wrong_password_is_refused_with_a_message(client, sales_user):
    response = client.post("/accounts/login/", {"username": "sally", "password": "nope"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


@pytest.mark.django_db
def test_logout_needs_post(sales_client):
    assert sales_client.get("/accounts/logout/").status_code == 405
    assert sales_client.post("/accounts/logout/").status_code == 302
    assert sales_client.get("/").status_code == 302


@pytest.mark.django_db
def test_dates_follow_the_users_time_zone(sales_client, sales_user):
    from portal.shared.audit import audit_record

    response = sales_client.post("/profile/", {"time_zone": "Asia/Taipei"})
    assert response.status_code == 302
    sales_user.profile.refresh_from_db()
    assert sales_user.profile.time_zone == "Asia/Taipei"
    assert "Asia/Taipei" in sales_client.get("/").content.decode()  # the footer names the zone
    event = audit_record(actor=sales_user, action="test.event", summary="s")
    assert event.created_at.tzinfo is not None  # stored aware (UTC)
    assert AuditEvent.objects.get(pk=event.pk).actor_name == "sally"


@pytest.mark.django_db
def test_no_role_user_is_told_to_ask_for_one(client, norole_user):
    client.force_login(norole_user)
    assert client.get("/").status_code == 403
