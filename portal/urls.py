"""Root URLconf. Every view requires login (LoginRequiredMiddleware) and declares its roles."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import admin_tools_views, customers_views, views

customer_patterns = [
    path("", customers_views.customer_list, name="list"),
    path("<int:pk>/", customers_views.customer_detail, name="detail"),
    path("pc/<str:tenant_id>/", customers_views.customer_by_pc_id, name="by_pc_id"),
    path("pc/<str:tenant_id>/fetch/", customers_views.customer_fetch, name="fetch"),
    path(
        "pc/<str:tenant_id>/fetch/status/",
        customers_views.customer_fetch_status,
        name="fetch_status",
    ),
    path("registrations/", customers_views.registrations, name="registrations"),
    path("sync/", customers_views.customer_sync, name="sync"),
    path(
        "<int:pk>/sync-subscriptions/",
        customers_views.customer_sync_subscriptions,
        name="sync_subscriptions",
    ),
    path(
        "subscriptions/<int:pk>/register/",
        customers_views.subscription_register,
        name="subscription_register",
    ),
    path("subscriptions/<int:pk>/row/", customers_views.subscription_row, name="subscription_row"),
]
admin_tools_patterns = [
    path("admin-tools/connection/", admin_tools_views.connection, name="connection"),
    path(
        "admin-tools/connection/sign-in/",
        admin_tools_views.connection_sign_in,
        name="connection_sign_in",
    ),
    path(
        "admin-tools/connection/callback/",
        admin_tools_views.connection_callback,
        name="connection_callback",
    ),
    path(
        "admin-tools/connection/sign-out/",
        admin_tools_views.connection_sign_out,
        name="connection_sign_out",
    ),
    path("admin-tools/settings/", admin_tools_views.portal_settings, name="settings"),
    path("audit/", admin_tools_views.audit_log, name="audit"),
]

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("profile/", views.profile, name="profile"),
    path("language/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("sync-status/<str:kind>/", views.sync_status, name="sync_status"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(success_url="/accounts/password/done/"),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("django-admin/", admin.site.urls),
    path("customers/", include((customer_patterns, "customers"))),
    path("", include((admin_tools_patterns, "admin_tools"))),
    path("pricing/", include("catalog.pricing.urls")),
    path("catalog/", include("catalog.urls")),
    path("", include("purchasing.urls")),
    path("billing/", include("billing.urls")),
]
