"""Django admin for administrators: the platform directory and the takedown letters. No case data."""

from __future__ import annotations

from django.contrib import admin

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


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "platform", "language", "subject"]
    list_filter = ["language", "platform"]
