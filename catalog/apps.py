from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self) -> None:
        from catalog import panels
        from portal.shared.dashboard import register
        from portal.shared.roles import Role

        register(Role.ADMIN, panels.price_sheets_panel)
