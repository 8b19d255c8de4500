from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from portal.permissions import sync_role_permissions

        # Runs after each app migrates, so permissions of apps later in the list are included.
        post_migrate.connect(sync_role_permissions, dispatch_uid="portal-role-permissions")

        from django.apps import apps

        from portal import dashboard, mirror_fit, panels

        mirror_fit.connect(apps)
        from portal.roles import Role

        dashboard.register(Role.ADMIN, panels.connection_panel)
        dashboard.register(Role.ADMIN, panels.registrations_panel)
