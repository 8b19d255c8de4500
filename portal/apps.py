from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from portal.shared.permissions import sync_role_permissions

        # Runs after each app migrates, so permissions of apps later in the list are included.
        post_migrate.connect(sync_role_permissions, dispatch_uid="portal-role-permissions")

        from django.apps import apps

        from portal.admin_tools import panels as admin_panels
        from portal.customers import panels as customer_panels
        from portal.shared import dashboard, mirror_fit

        mirror_fit.connect(apps)
        from portal.shared.roles import Role

        dashboard.register(Role.ADMIN, admin_panels.connection_panel)
        dashboard.register(Role.ADMIN, customer_panels.registrations_panel)
