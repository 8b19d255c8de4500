from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self) -> None:
        from catalog import panels
        from portal.dashboard import register
        from portal.roles import Role

        register(Role.ADMIN, panels.price_sheets_panel)
