from django.contrib import admin
from django.utils.translation import gettext_lazy

from portal.admin_tools import admin_staff  # noqa: F401  (registers the staff user editor)
from portal.models import AuditEvent, Customer, StaffProfile
from portal.shared.roles import Role, has_role


def _admins_only(request) -> bool:
    """The Django admin is for portal admins only (and staff flag, as Django requires)."""
    user = request.user
    return user.is_active and user.is_staff and has_role(user, Role.ADMIN)


admin.site.has_permission = _admins_only
admin.site.site_header = gettext_lazy("Partner Portal administration")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows nobody edits by hand: Partner Center mirrors (the sync owns them) and the audit log."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("company_name", "domain", "country", "currency", "is_active", "synced_at")
    list_filter = ("is_active", "country")
    search_fields = ("company_name", "domain", "tenant_id")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_name", "action", "object_type", "object_id", "summary")
    list_filter = ("action",)
    search_fields = ("summary", "object_id", "actor_name")


admin.site.register(StaffProfile)
