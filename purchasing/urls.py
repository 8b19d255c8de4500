from django.urls import path

from purchasing import order_fetch_views, order_views, panel_views, views

app_name = "purchasing"
urlpatterns = [
    path("cart/", views.carts, name="carts"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/<int:customer_pk>/", views.cart_detail, name="cart"),
    path(
        "cart/<int:customer_pk>/lines/<int:line_pk>/",
        views.cart_line_update,
        name="cart_line_update",
    ),
    path(
        "cart/<int:customer_pk>/lines/<int:line_pk>/remove/",
        views.cart_line_remove,
        name="cart_line_remove",
    ),
    path("cart/<int:customer_pk>/review/", views.cart_review, name="review"),
    path(
        "cart/<int:customer_pk>/review/confirm-changes/",
        views.cart_confirm_changes,
        name="confirm_changes",
    ),
    path("cart/<int:customer_pk>/place/", views.checkout_place, name="place"),
    path("checkouts/<int:pk>/", views.checkout_detail, name="checkout"),
    path("checkouts/<int:pk>/retry-groups/", views.checkout_retry_groups, name="retry_groups"),
    path("approvals/", views.approvals, name="approvals"),
    path("dashboard/<str:table>.csv", panel_views.panel_csv, name="panel_csv"),
    path("approvals/<int:pk>/decide/", views.approval_decide, name="approval_decide"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("orders/", order_views.orders, name="orders"),
    path("orders/<int:pk>/", order_views.order_detail, name="order"),
    path(
        "orders/<int:pk>/provisioning/", order_views.order_provisioning, name="order_provisioning"
    ),
    path("orders/pc/<str:pc_order_id>/", order_fetch_views.order_by_pc_id, name="order_by_pc_id"),
    path("orders/pc/<str:pc_order_id>/fetch/", order_fetch_views.order_fetch, name="order_fetch"),
    path(
        "orders/pc/<str:pc_order_id>/fetch/status/",
        order_fetch_views.order_fetch_status,
        name="order_fetch_status",
    ),
    path("entitlements/", order_views.entitlements, name="entitlements"),
    path("entitlements/refresh/", order_views.entitlements_refresh, name="entitlements_refresh"),
]
