"""Changes to accounts: each is recorded as an AccountEvent and announced.

Administrators and operators change roles, addresses and access; the account's owner changes her
two-step sign-in (authenticator apps, recovery codes), and every use of a recovery code is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from accounts.mfa import CodeCheck, check_code
from accounts.models import AccountEvent, AccountEventKind, RecoveryCodeDevice, TotpDevice, User
from accounts.passwords import send_password_link
from accounts.signals import account_event_recorded

# What an administrator may change on an existing account (never the centre, never the password).
EDITABLE_FIELDS = ("email", "full_name", "role", "preferred_language", "is_active")


def _record(*, actor: User | None, account: User, kind: str, old: str = "", new: str = "") -> AccountEvent:
    event = AccountEvent.objects.create(
        actor=actor, subject=account, centre_id=account.centre_id, kind=kind, old=old, new=new
    )
    # In the caller's transaction: the messages the receivers queue commit with the row or not at all.
    account_event_recorded.send(sender=AccountEvent, event=event)
    return event


def _mail_link_after_commit(account: User, *, domain: str, use_https: bool, new_account: bool) -> None:
    account_id = account.pk

    def send() -> None:
        # Read again after the commit: the link's token is made from the account as it is stored.
        stored = User.objects.filter(pk=account_id).first()
        if stored is not None:
            send_password_link(stored, domain=domain, use_https=use_https, new_account=new_account)

    transaction.on_commit(send)


@transaction.atomic
def do_create_account(*, actor: User | None, account: User, domain: str, use_https: bool) -> AccountEvent:
    """Saves a new account with no usable password, records it, and mails its own address a link to choose one."""
    if account.pk is not None:
        raise ValueError("do_create_account() takes an account that is not saved yet.")
    account.set_unusable_password()
    account.full_clean(exclude=["password"])
    account.save()
    event = _record(actor=actor, account=account, kind=AccountEventKind.CREATED, new=account.role)
    _mail_link_after_commit(account, domain=domain, use_https=use_https, new_account=True)
    return event


@transaction.atomic
def do_record_account_created(*, actor: User | None, account: User) -> AccountEvent:
    """Records an account made with a password by an operator (`create_user`), so it is told like any other."""
    return _record(actor=actor, account=account, kind=AccountEventKind.CREATED, new=account.role)


@transaction.atomic
def do_update_account(*, actor: User, account: User, fields: Iterable[str]) -> list[AccountEvent]:
    """Saves an administrator's changes to an account and records those that matter: role, address, access."""
    changed = [name for name in fields if name in EDITABLE_FIELDS]
    # Locked, so that two administrators saving at once each record what they really changed.
    before = User.objects.select_for_update().get(pk=account.pk)
    if before.centre_id != account.centre_id:
        raise ValueError("An account never moves to another centre through do_update_account().")
    if not changed:
        return []
    account.save(update_fields=changed)
    events = []
    if before.role != account.role:
        events.append(
            _record(actor=actor, account=account, kind=AccountEventKind.ROLE_CHANGED, old=before.role, new=account.role)
        )
    if before.email != account.email:
        events.append(
            _record(
                actor=actor, account=account, kind=AccountEventKind.EMAIL_CHANGED, old=before.email, new=account.email
            )
        )
    if before.is_active != account.is_active:
        kind = AccountEventKind.REACTIVATED if account.is_active else AccountEventKind.DEACTIVATED
        events.append(_record(actor=actor, account=account, kind=kind))
    return events


@transaction.atomic
def do_send_password_link(*, actor: User | None, account: User, domain: str, use_https: bool) -> AccountEvent:
    """Records a password reset and mails the account's own address a link; nobody else learns the password."""
    if not account.is_active:
        raise ValueError("A deactivated account gets no password link; reactivate it first.")
    event = _record(actor=actor, account=account, kind=AccountEventKind.PASSWORD_RESET)
    _mail_link_after_commit(account, domain=domain, use_https=use_https, new_account=False)
    return event


@transaction.atomic
def do_start_authenticator(*, account: User) -> TotpDevice:
    """A new authenticator app with a fresh secret, unconfirmed until a code from it is entered."""
    # Only the newest unconfirmed one is kept: a setup abandoned halfway leaves no usable secret behind.
    TotpDevice.objects.filter(user=account, confirmed=False).delete()
    return TotpDevice.objects.create(user=account, confirmed=False, secret=TotpDevice.new_secret())


@transaction.atomic
def do_confirm_authenticator(*, account: User, device: TotpDevice, name: str) -> list[str]:
    """Confirms an authenticator app whose code was right; the first one brings recovery codes, returned once."""
    if device.user_id != account.pk:
        raise ValueError("An authenticator app is confirmed by its own account only.")
    device.name = name
    device.confirmed = True
    device.save(update_fields=["name", "confirmed"])
    recovery, created = RecoveryCodeDevice.objects.get_or_create(
        user=account, defaults={"name": "recovery codes", "confirmed": True}
    )
    codes = recovery.new_codes() if created else []
    _record(actor=account, account=account, kind=AccountEventKind.MFA_ADDED, new=name)
    return codes


@transaction.atomic
def do_remove_authenticator(*, account: User, device: TotpDevice) -> AccountEvent:
    """Removes an authenticator app; with the last one the recovery codes go too (nothing left to recover)."""
    if device.user_id != account.pk:
        raise ValueError("An authenticator app is removed by its own account only.")
    name = device.name
    device.delete()
    if not TotpDevice.objects.filter(user=account, confirmed=True).exists():
        RecoveryCodeDevice.objects.filter(user=account).delete()
    return _record(actor=account, account=account, kind=AccountEventKind.MFA_REMOVED, old=name)


@transaction.atomic
def do_renew_recovery_codes(*, account: User) -> list[str]:
    """Replaces the account's recovery codes with new ones, returned once; the old ones stop working."""
    device = RecoveryCodeDevice.objects.select_for_update().get(user=account)
    codes = device.new_codes()
    _record(actor=account, account=account, kind=AccountEventKind.RECOVERY_RENEWED)
    return codes


@transaction.atomic
def do_reset_two_step(*, actor: User, account: User) -> AccountEvent:
    """Removes every authenticator app and recovery code of an account that lost them all.

    For an administrator of the account's centre: she learns no code and sets none, the person sets
    up a new app at her next sign-in (her role may require it). Sessions verified by the old app are
    no longer verified.
    """
    if actor.pk == account.pk:
        raise ValueError("Nobody resets her own two-step sign-in; she removes an app with a current code.")
    apps = TotpDevice.objects.filter(user=account)
    if not apps.filter(confirmed=True).exists():
        raise ValueError("The account has no two-step sign-in to reset.")
    names = ", ".join(apps.filter(confirmed=True).order_by("pk").values_list("name", flat=True))
    apps.delete()
    RecoveryCodeDevice.objects.filter(user=account).delete()
    return _record(actor=actor, account=account, kind=AccountEventKind.MFA_RESET, old=names[:254])


@transaction.atomic
def do_check_code(*, account: User, code: str) -> CodeCheck:
    """Checks a sign-in code; a recovery code that is used up is recorded and announced with the code."""
    result = check_code(account, code)
    if isinstance(result.device, RecoveryCodeDevice):
        left = result.device.codes.count()
        _record(actor=account, account=account, kind=AccountEventKind.RECOVERY_USED, new=str(left))
    return result
