"""Admin tools: the Partner Center connection, portal settings and the audit log."""

from django.urls import path

from portal.admin_tools import views

app_name = "admin_tools"

urlpatterns = [
    path("admin-tools/connection/", views.connection, name="connection"),
    path(
        "admin-tools/connection/sign-in/",
        views.connection_sign_in,
        name="connection_sign_in",
    ),
    path(
        "admin-tools/connection/callback/",
        views.connection_callback,
        name="connection_callback",
    ),
    path(
        "admin-tools/connection/sign-out/",
        views.connection_sign_out,
        name="connection_sign_out",
    ),
    path("admin-tools/settings/", views.portal_settings, name="settings"),
    path("audit/", views.audit_log, name="audit"),
]
