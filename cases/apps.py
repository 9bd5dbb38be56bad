"""Cases, notes, sightings, platforms, takedown requests, referrals, the portal and reports."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # The inbox says what cases' reminders are about through renderers that cases registers, so
        # that notifications never imports cases.
        from cases.inbox import register_renderers

        register_renderers()
