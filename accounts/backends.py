"""The sign-in backend: Django's own, with the session's user read together with her centre."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class StaffBackend(ModelBackend):
    """Every staff page names the reader's centre in its header: reading it with the user makes the
    session's lookup one query instead of two (bench.case_list counts them)."""

    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.select_related("centre").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
