"""Django admin for administrators: centres and users. No case model is ever registered here."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import Centre, User


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]

    def has_delete_permission(self, request: HttpRequest, obj: Centre | None = None) -> bool:
        return False


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "centre", "role", "preferred_language"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "centre", "role", "preferred_language", "is_active"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin (password pages included), with e-mail login, centre and role."""

    form = UserEditForm
    add_form = UserCreationForm
    list_display = ["email", "full_name", "centre", "role", "is_active", "last_login"]
    list_filter = ["centre", "role", "is_active"]
    search_fields = ["email", "full_name"]
    ordering = ["centre", "full_name"]
    filter_horizontal = []
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "preferred_language"]}),
        (_("Centre and role"), {"fields": ["centre", "role", "is_active"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        # An administrator cannot change her own role or centre: no self-promotion to supervisor.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            fields += ["role", "centre", "is_active"]
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Deactivate instead: deleting would list (and orphan) the cases a person worked on.
        return False

    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "centre", "role", "preferred_language", "password1", "password2"],
            },
        )
    ]


admin.site.site_header = _("caseflow administration")
admin.site.site_title = _("caseflow administration")
