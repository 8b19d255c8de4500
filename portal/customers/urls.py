"""Customer pages: list, detail, fetch by Partner Center id, subscriptions and registrations."""

from django.urls import path

from portal.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("pc/<str:tenant_id>/", views.customer_by_pc_id, name="by_pc_id"),
    path("pc/<str:tenant_id>/fetch/", views.customer_fetch, name="fetch"),
    path(
        "pc/<str:tenant_id>/fetch/status/",
        views.customer_fetch_status,
        name="fetch_status",
    ),
    path("registrations/", views.registrations, name="registrations"),
    path("sync/", views.customer_sync, name="sync"),
    path(
        "<int:pk>/sync-subscriptions/",
        views.customer_sync_subscriptions,
        name="sync_subscriptions",
    ),
    path(
        "subscriptions/<int:pk>/register/",
        views.subscription_register,
        name="subscription_register",
    ),
    path("subscriptions/<int:pk>/row/", views.subscription_row, name="subscription_row"),
]
