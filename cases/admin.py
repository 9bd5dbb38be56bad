"""Django admin for administrators: the platform directory and the takedown letters. No case data."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cases.models import LetterTemplate, Platform, PlatformDomain


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
