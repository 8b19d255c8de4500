"""The Django admin's staff user editor, fit for the admin role.

A portal admin manages staff accounts: names, e-mail, active flag, password and the portal roles
sales/finance. It never sees ``is_superuser``, ``user_permissions`` or arbitrary groups. Only a
superuser grants the admin role, and only a superuser touches a superuser or another admin (their
password included): otherwise an admin could take over an account that holds more than they do.
An admin cannot change their own roles. Every role change is audited.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from portal.admin_tools.services.staff import staff_set_roles
from portal.shared.audit import audit_record
from portal.shared.roles import ROLE_LABELS, Role, user_roles

User = get_user_model()


def _may_edit(actor, target) -> bool:
    """Whether ``actor`` (an admin) may change ``target``: superusers anyone; admins only
    themselves and users that are neither superusers nor admins."""
    if actor.is_superuser:
        return True
    if target.pk == actor.pk:
        return True
    return not target.is_superuser and Role.ADMIN not in user_roles(target)


class StaffUserForm(UserChangeForm):
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=[(r.value, ROLE_LABELS[r]) for r in Role],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Portal roles. Only a superuser grants the admin role."),
    )

    class Meta:
        model = User
        fields = ("username", "password", "first_name", "last_name", "email", "is_active")

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        if self.instance.pk:
            self.initial["roles"] = sorted(r.value for r in user_roles(self.instance))
        if actor is not None and not actor.is_superuser:
            if self.instance.pk == actor.pk:
                self.fields["roles"].disabled = True
                self.fields["roles"].help_text = _("You cannot change your own roles.")
                self.fields["is_active"].disabled = True
            else:
                self.fields["roles"].choices = [
                    (r.value, r.value.title()) for r in Role if r != Role.ADMIN
                ]

    def clean_roles(self):
        roles = {Role(r) for r in self.cleaned_data["roles"]}
        actor = self.actor
        granting_admin = Role.ADMIN in roles and self.instance.pk != getattr(actor, "pk", None)
        if actor is not None and not actor.is_superuser and granting_admin:
            raise forms.ValidationError(_("Only a superuser grants the admin role."))
        return sorted(roles)


class StaffUserCreationForm(forms.ModelForm):
    """Username and password; roles are set on the next page."""

    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    class Meta:
        model = User
        fields = ("username",)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") != cleaned.get("password2"):
            raise forms.ValidationError(_("The two passwords differ."))
        if cleaned.get("password1"):
            validate_password(cleaned["password1"], self.instance)
        return cleaned

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        if commit:
            user.save()
        return user


class StaffUserAdmin(UserAdmin):
    form = StaffUserForm
    add_form = StaffUserCreationForm
    list_display = ("username", "email", "first_name", "last_name", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "groups")
    filter_horizontal = ()
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email")}),
        (_("Access"), {"fields": ("is_active", "roles")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "password1", "password2")}),)

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        if obj is None:
            return form_class
        actor = request.user

        class BoundForm(form_class):
            def __init__(self, *args, **inner):
                super().__init__(*args, actor=actor, **inner)

        return BoundForm

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and not _may_edit(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            target = self.get_object(request, id)
            audit_record(
                actor=request.user,
                action="staff.password_set",
                obj=target,
                summary=f"Password of {target.get_username()} set in the Django admin",
            )
        return response

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "roles" in form.cleaned_data and not form.fields["roles"].disabled:
            staff_set_roles(
                user=form.instance,
                roles=[Role(r) for r in form.cleaned_data["roles"]],
                actor=request.user,
            )


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
