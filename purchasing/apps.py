from django.apps import AppConfig


class PurchasingConfig(AppConfig):
    name = "purchasing"

    def ready(self) -> None:
        # Imported here, not at the top: panels import models, which exist only once the app
        # registry is ready.
        from portal.shared.dashboard import register
        from portal.shared.roles import Role
        from purchasing import panels

        register(Role.SALES, panels.recent_orders)
        register(Role.SALES, panels.awaiting_orders)
        register(Role.SALES, panels.expiring_reservations)
        register(Role.SALES, panels.orders_chart_panel)
        register(Role.SALES, panels.expiry_chart_panel)
        register(Role.SALES, panels.notifications)
        register(Role.FINANCE, panels.pending_approvals)
        register(Role.ADMIN, panels.pending_approvals)
