"""Model permissions each role's group holds (used by the Django admin; views check roles).

Synced after every ``migrate`` so models added by later migrations get their permissions too.
"""

from __future__ import annotations

from django.apps import apps as global_apps

# role -> {app_label or "app_label.model": codename prefixes}
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "sales": {
        "catalog": ("view",),
        "purchasing": ("view", "add", "change"),
        "portal.customer": ("view",),
    },
    "finance": {
        "billing": ("view", "add", "change"),
        "purchasing.order": ("view",),
        "portal.customer": ("view",),
    },
    "admin": {
        "portal": ("view", "add", "change"),
        "catalog": ("view",),
        "purchasing": ("view",),
        "billing": ("view",),
        "auth.user": ("view", "add", "change"),
    },
}


def sync_role_permissions(sender=None, apps=global_apps, **kwargs) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for target, prefixes in grants.items():
            app_label, _, model = target.partition(".")
            perms = Permission.objects.filter(content_type__app_label=app_label)
            if model:
                perms = perms.filter(content_type__model=model)
            wanted += [p for p in perms if p.codename.split("_", 1)[0] in prefixes]
        group.permissions.set(wanted)
