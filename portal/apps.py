from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # Imported here, not at the top: these modules import models, which exist only once the
        # app registry is ready.
        from portal.admin_tools import panels as admin_panels
        from portal.customers import panels as customer_panels
        from portal.shared import dashboard, mirror_fit
        from portal.shared.permissions import sync_role_permissions
        from portal.shared.roles import Role

        # Runs after each app migrates, so permissions of apps later in the list are included.
        post_migrate.connect(sync_role_permissions, dispatch_uid="portal-role-permissions")
        mirror_fit.connect(apps)
        dashboard.register(Role.ADMIN, admin_panels.connection_panel)
        dashboard.register(Role.ADMIN, customer_panels.registrations_panel)
