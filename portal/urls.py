"""Root URLconf. Every view requires login (LoginRequiredMiddleware) and declares its roles."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import views

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
    path("customers/", include("portal.customers.urls")),
    path("", include("portal.admin_tools.urls")),
    path("pricing/", include("catalog.pricing.urls")),
    path("catalog/", include("catalog.urls")),
    path("", include("purchasing.urls")),
    path("billing/", include("billing.urls")),
]
