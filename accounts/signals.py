"""Signals of accounts: a changed password revokes the user's API tokens; recorded account changes are announced."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_save
from django.dispatch import Signal, receiver
from knox.models import AuthToken

from accounts.models import User

# Sent with `event=AccountEvent` inside the transaction that wrote the row, so that receivers (the
# notifications app queues its messages) commit with it or not at all. accounts imports no receiver.
account_event_recorded = Signal()


@receiver(pre_save, sender=User)
def revoke_tokens_on_password_change(
    sender: type[User], instance: User, update_fields: Any = None, **kwargs: Any
) -> None:
    # Sessions already end on a password change (Django's session auth hash); tokens must too.
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    old = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old is not None and old != instance.password:
        AuthToken.objects.filter(user_id=instance.pk).delete()
