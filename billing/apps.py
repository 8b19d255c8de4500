from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        # Imported here, not at the top: panels import models, which exist only once the app
        # registry is ready.
        from billing.panels import finance_panel, spend_panel
        from portal.shared.dashboard import register
        from portal.shared.roles import Role

        register(Role.FINANCE, finance_panel)
        register(Role.FINANCE, spend_panel)
