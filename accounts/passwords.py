"""Password links: only the account's own e-mail address receives a link to choose a password."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.utils import translation

from accounts.models import User


class _OneAccountResetForm(PasswordResetForm):
    """Django's reset e-mail and token for one chosen account, also a new one without a usable password."""

    def __init__(self, account: User) -> None:
        super().__init__(data={"email": account.email})
        self.account = account

    def get_users(self, email: str) -> Iterator[User]:
        # Exactly the chosen account, at its own address; Django's form would skip one with no password yet.
        if self.account.is_active:
            yield self.account


def send_password_link(account: User, *, domain: str, use_https: bool, new_account: bool) -> None:
    """Mails the account's own address a link (valid PASSWORD_RESET_TIMEOUT) to choose a password.

    The message names no one else: not who asked for it, not the centre's other staff. A failed send
    is logged by Django with the account's id only, and can be repeated from the admin.
    """
    form = _OneAccountResetForm(account)
    if not form.is_valid():
        return
    with translation.override(account.preferred_language):
        form.save(
            domain_override=domain,
            use_https=use_https,
            subject_template_name="accounts/emails/password_link_subject.txt",
            email_template_name="accounts/emails/password_link.txt",
            from_email=settings.DEFAULT_FROM_EMAIL,
            extra_email_context=cast(
                dict[str, str],
                {"new_account": new_account, "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)},
            ),
        )
