"""Staff account services."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from portal.models import StaffProfile
from portal.shared.audit import audit_record
from portal.shared.roles import Role, user_roles


@transaction.atomic
def staff_create_or_update(
    *, username: str, password: str | None, roles: list[Role], email: str = ""
):
    """Create (or update) a staff user with exactly ``roles``; admins also get Django admin access."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username, defaults={"email": email})
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.is_staff = Role.ADMIN in roles
    user.email = email or user.email
    user.full_clean(exclude=["password"])
    user.save()
    # get_or_create: the groups come from a data migration, but a flushed test database lacks them.
    user.groups.set([Group.objects.get_or_create(name=r.value)[0] for r in roles])
    StaffProfile.objects.get_or_create(user=user)
    return user, created


@transaction.atomic
def staff_set_roles(*, user, roles: list[Role], actor) -> None:
    """Give ``user`` exactly ``roles`` (admins also reach the Django admin); audited on change."""
    before = sorted(r.value for r in user_roles(user))
    after = sorted({Role(r).value for r in roles})
    user.groups.set([Group.objects.get_or_create(name=r)[0] for r in after])
    user.is_staff = Role.ADMIN.value in after or user.is_superuser
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("_portal_roles", None)
    if before != after:
        audit_record(
            actor=actor,
            action="staff.roles_changed",
            obj=user,
            summary=f"Roles of {user.get_username()}: {', '.join(after) or 'none'}",
            before=before,
            after=after,
        )
