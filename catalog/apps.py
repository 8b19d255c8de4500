from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self) -> None:
        # Imported here, not at the top: panels import models, which exist only once the app
        # registry is ready.
        from catalog import panels
        from portal.shared.dashboard import register
        from portal.shared.roles import Role

        register(Role.ADMIN, panels.price_sheets_panel)
