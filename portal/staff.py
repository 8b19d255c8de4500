"""Staff account services."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from portal.models import StaffProfile
from portal.roles import Role


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
