"""Sends the key store's model, and only it, to the `keystore` database; everything else stays on `default`."""

from __future__ import annotations

from typing import Any

from django.db import models

KEYSTORE = "keystore"
APP_LABEL = "keystore"


class KeystoreRouter:
    """Only the keystore app's tables live in the key store, and only there; no relation crosses the two."""

    def db_for_read(self, model: type[models.Model], **hints: Any) -> str:
        return KEYSTORE if model._meta.app_label == APP_LABEL else "default"

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str:
        return KEYSTORE if model._meta.app_label == APP_LABEL else "default"

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: Any) -> bool:
        return (obj1._meta.app_label == APP_LABEL) == (obj2._meta.app_label == APP_LABEL)

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return (app_label == APP_LABEL) == (db == KEYSTORE)
