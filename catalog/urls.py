from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.index, name="index"),
    path("sync/", views.sync_start, name="sync"),
    path("customer/<int:customer_pk>/read/", views.customer_catalog, name="customer_catalog"),
    path("price-sheets/", views.price_sheets, name="price_sheets"),
    path("price-sheets/sync/", views.price_sheets_sync, name="price_sheets_sync"),
    path("<str:product_id>/", views.product_detail, name="product"),
    path("<str:product_id>/<str:sku_id>/", views.sku_detail, name="sku"),
    path(
        "<str:product_id>/<str:sku_id>/inventory-check/",
        views.inventory_check,
        name="inventory_check",
    ),
]
