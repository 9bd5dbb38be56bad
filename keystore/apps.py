"""The key store app: its only model lives in the `keystore` database (keystore/router.py)."""

from __future__ import annotations

from django.apps import AppConfig


class KeystoreConfig(AppConfig):
    name = "keystore"
    verbose_name = "key store"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A Celery task is one unit of work: its case keys are unwrapped once and forgotten at its end.
        from keystore import ring

        ring.connect_celery()
