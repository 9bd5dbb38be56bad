"""Django admin for administrators: the platform directory, the takedown letters and the centre's partner
directory. No case data."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin import OwnCentreAdmin
from accounts.models import User
from cases.models import LetterTemplate, Partner, Platform, PlatformDomain


class PlatformDomainInline(admin.TabularInline):
    model = PlatformDomain
    extra = 1


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "channel", "response_hours", "request_language", "regulator_escalation"]
    list_filter = ["kind", "channel", "request_language", "regulator_escalation"]
    search_fields = ["name", "domains__domain"]
    inlines = [PlatformDomainInline]
    # The fallback ("unknown site") is where unmatched addresses go: it stays what it is.
    readonly_fields = ["is_fallback"]

    def save_model(self, request: HttpRequest, obj: Platform, form: Any, change: bool) -> None:
        # An edit here moves the version too, so that an API client holding the old one gets a 409.
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Platform | None = None) -> bool:
        # Deleting would list the sightings and requests that use the platform, across all centres.
        return False


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "platform", "language", "subject"]
    list_filter = ["language", "platform"]


@admin.register(Partner)
class PartnerAdmin(OwnCentreAdmin):
    """The centre's partner directory: an administrator keeps her own centre's; another centre's is a 404."""

    list_display = ["name", "kind", "channel", "contact", "is_active"]
    list_filter = ["kind", "channel", "is_active"]
    search_fields = ["name"]
    fields = ["name", "kind", "channel", "contact", "requirements", "is_active"]

    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(centre_id=cast(User, request.user).centre_id)

    def save_model(self, request: HttpRequest, obj: Partner, form: Any, change: bool) -> None:
        # Always the administrator's own centre; an edit moves the version (API clients get a 409).
        obj.centre_id = cast(User, request.user).centre_id
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Partner | None = None) -> bool:
        # Referrals name their partner: an entry is made inactive, never deleted.
        return False
