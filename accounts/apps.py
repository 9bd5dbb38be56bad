"""Users, centres and roles. Knows nothing of cases."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from accounts import lockout, schema, signals  # noqa: F401 - connects the receivers, registers the scheme
