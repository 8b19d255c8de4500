"""The portal's URLconf plus a view that fails, for the 500 page test."""

from django.urls import path

from portal.shared.roles import ALL_ROLES, role_required
from portal.urls import urlpatterns as portal_patterns


@role_required(*ALL_ROLES)
def boom(request):
    raise RuntimeError("secret detail: SELECT * FROM internals")


urlpatterns = [path("boom/", boom), *portal_patterns]
