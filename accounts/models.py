"""Centres and the people who work in them, each with one role."""

from __future__ import annotations

import hashlib
import secrets
import time
import unicodedata
from base64 import b32encode
from binascii import unhexlify
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from caseflow.crypto import EncryptedTextField


class Centre(models.Model):
    """A support centre. Every user and every case belongs to exactly one; nothing crosses centres."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    # Takedown letters go out from this address (its domain must let caseflow's mail server send for it).
    letters_from = models.EmailField(
        _("address letters are sent from"),
        blank=True,
        default="",
        help_text=_("Takedown letters to platforms are sent from this address. Without it, letters are not e-mailed."),
    )
    # Replies to letters: Reply-To names it, so a reply reaches the centre even if it loses the request's token.
    inbound_address = models.EmailField(
        _("address for replies"),
        blank=True,
        default="",
        help_text=_("Platforms' replies to letters go here (Reply-To); the sending address when empty."),
    )
    # Shown to victims in the portal; a switchboard number, never a counsellor's own.
    phone = models.CharField(
        _("phone"),
        max_length=30,
        blank=True,
        default="",
        validators=[
            RegexValidator(
                r"^\+?[0-9][0-9 ()\-.]{2,29}$", _("Enter a phone number: digits, spaces, +, - and brackets.")
            )
        ],
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("centre")
        verbose_name_plural = _("centres")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Language(models.TextChoices):
    """The languages of caseflow, for staff, victims and every message sent (used by all apps)."""

    KOREAN = "ko", _("Korean")
    ENGLISH = "en", _("English")


class Role(models.TextChoices):
    COUNSELLOR = "counsellor", _("Counsellor")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


def normalize_address(value: str) -> str:
    """The one spelling of an e-mail address that identifies an account: NFKC, trimmed, lower case.

    Sign-in looks accounts up by it and the lockout counts by it, so that no other spelling of the
    same address is a different account to one and the same to the other.
    """
    return unicodedata.normalize("NFKC", value).strip().lower()


class UserManager(BaseUserManager["User"]):
    """Creates users identified by e-mail address."""

    use_in_migrations = True

    def create_user(
        self,
        email: str,
        password: str | None = None,
        **extra: Any,
    ) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalize_address(email), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        """Used by `createsuperuser`: an administrator, who manages accounts but sees no case."""
        extra.setdefault("role", Role.ADMIN)
        if extra["role"] != Role.ADMIN:
            raise ValueError("A superuser is an administrator.")
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        # Addresses are stored normalised; signing in must not depend on case, spaces or Unicode form.
        return self.get(**{self.model.USERNAME_FIELD: normalize_address(username or "")})


class User(AbstractBaseUser):
    """A member of a centre's staff, signing in with an e-mail address."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="users", verbose_name=_("centre"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.COUNSELLOR)
    is_active = models.BooleanField(_("active"), default=True)
    preferred_language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.KOREAN
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now, editable=False)
    # Reminders always reach the in-app inbox; a copy by e-mail only if the person asks for it.
    notify_by_email = models.BooleanField(_("reminders by e-mail too"), default=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name", "centre"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name"]
        indexes = [
            # The supervisor's team list and assignment drop-down: active staff of a centre by role.
            models.Index(fields=["centre", "role"], name="user_centre_role_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_staff(self) -> bool:
        """Only administrators enter Django's admin site, and there they manage accounts only."""
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_counsellor(self) -> bool:
        return self.role == Role.COUNSELLOR

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    # No PermissionsMixin: there is no superuser flag and no per-user permission table that could
    # quietly widen a role. What a role may do is decided here and in cases/access.py.
    def has_perm(self, perm: str, obj: object = None) -> bool:
        # Separation of duties: an administrator manages accounts, centres and the platform
        # directory, never case content.
        if not (self.is_active and self.is_admin):
            return False
        app_label, _sep, codename = perm.partition(".")
        if app_label == "cases":
            return codename.rsplit("_", 1)[-1] in ADMIN_MANAGED_CASE_MODELS
        return app_label in ADMIN_MANAGED_APPS

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_active and self.is_admin and (app_label in ADMIN_MANAGED_APPS or app_label == "cases")

    def clean(self) -> None:
        super().clean()
        self.email = normalize_address(self.email)


ADMIN_MANAGED_APPS = frozenset({"accounts", "axes", "knox"})
# The only models of the cases app an administrator may touch: reference data (the partner directory
# of her own centre included, cases/admin.py), no case content.
ADMIN_MANAGED_CASE_MODELS = frozenset({"platform", "platformdomain", "lettertemplate", "partner"})


class AccountEventKind(models.TextChoices):
    CREATED = "created", _("Account created")
    ROLE_CHANGED = "role_changed", _("Role changed")
    EMAIL_CHANGED = "email_changed", _("E-mail address changed")
    PASSWORD_RESET = "password_reset", _("Password link sent")
    DEACTIVATED = "deactivated", _("Deactivated")
    REACTIVATED = "reactivated", _("Reactivated")
    # Two-step sign-in, changed by the account's owner herself.
    MFA_ADDED = "mfa_added", _("Authenticator app added")
    MFA_REMOVED = "mfa_removed", _("Authenticator app removed")
    RECOVERY_USED = "recovery_used", _("Recovery code used to sign in")
    RECOVERY_RENEWED = "recovery_renewed", _("New recovery codes made")
    # By an administrator, for someone who lost both her phone and her recovery codes.
    MFA_RESET = "mfa_reset", _("Two-step sign-in reset")


class AccountEvent(models.Model):
    """One change made to an account: who, whose, what, from and to.

    Made by an administrator or an operator, or, for two-step sign-in, by the account's owner.

    Written by accounts.actions only; announced with the account_event_recorded signal. Rows are never
    changed or deleted (users are never deleted either, hence PROTECT).
    """

    # None: an operator on the command line, who is not a user of the app.
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    subject = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="account_events", verbose_name=_("account")
    )
    # The subject's centre at the time: who may read the row and who is told about it.
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", verbose_name=_("centre"))
    kind = models.CharField(_("change"), max_length=20, choices=AccountEventKind.choices)
    old = models.CharField(_("before"), max_length=254, blank=True, default="")
    new = models.CharField(_("after"), max_length=254, blank=True, default="")
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("account change")
        verbose_name_plural = _("account changes")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The administrator's list: WHERE centre_id = mine ORDER BY created_at DESC.
            models.Index(fields=["centre", "-created_at"], name="account_event_centre_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


def totp_clock() -> float:
    """The time TOTP codes are computed for (a function, so that tests can move it)."""
    return time.time()


class CappedThrottlingMixin(ThrottlingMixin):
    """django-otp's growing wait after wrong codes (1 s, 2 s, 4 s …), never longer than MFA_MAX_WAIT.

    The wait holds the device across addresses: it is what stops many addresses sharing a stolen
    password from guessing codes. Uncapped, it grows without bound, and the same addresses could
    keep the owner out for days; capped, she waits a quarter of an hour at most, while guessing
    stays at a few tries an hour.
    """

    class Meta:
        abstract = True

    def verify_is_allowed(self) -> tuple[bool, dict[str, Any] | None]:
        allowed, info = super().verify_is_allowed()
        if allowed or not info or "locked_until" not in info:
            return allowed, info
        capped = self.throttling_failure_timestamp + MFA_MAX_WAIT
        if timezone.now() >= capped:
            return True, None
        return False, {**info, "locked_until": min(info["locked_until"], capped)}


MFA_MAX_WAIT = timedelta(minutes=15)


class TotpDevice(TimestampMixin, CappedThrottlingMixin, Device):
    """An authenticator app (RFC 6238: 30-second steps, 6 digits, SHA-1) with its shared secret encrypted.

    django-otp's own TOTPDevice keeps the secret in clear; whoever reads that column could make
    every code. Here it is Fernet-encrypted with CASEFLOW_FIELD_KEYS like victim details, and
    rotated with them. Verification is django-otp's: one step of clock tolerance either side, a
    code never accepted twice (`last_t`), and a growing wait after each wrong code (CappedThrottlingMixin).
    """

    STEP = 30
    DIGITS = 6
    # One step either side: a phone's clock a little off, or a code typed just as it changed.
    TOLERANCE = 1

    # Declared again (django-otp's abstract Device has it) to give the relation a name of its own.
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="authenticators", verbose_name=_("account"))
    # 20 random bytes, hex-encoded, as django-otp makes them; encrypted at rest.
    secret = EncryptedTextField(_("secret"))
    # The time step of the last accepted code: only a later one is accepted next (no replay).
    last_t = models.BigIntegerField(default=-1)

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    @classmethod
    def new_secret(cls) -> str:
        return secrets.token_hex(20)

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.secret.encode())

    @property
    def base32_secret(self) -> str:
        """The secret as authenticator apps take it when typed in by hand."""
        return b32encode(self.bin_key).decode()

    def config_url(self, issuer: str) -> str:
        """The otpauth:// address that a QR code hands to an authenticator app."""
        issuer = issuer.replace(":", "")
        label = quote(f"{issuer}:{self.user.get_username()}")
        params = urlencode({"secret": self.base32_secret, "algorithm": "SHA1", "digits": self.DIGITS})
        return f"otpauth://totp/{label}?{params}&period={self.STEP}&issuer={quote(issuer)}"

    def get_throttle_factor(self) -> int:
        # Waits of 1, 2, 4, 8 … seconds after successive wrong codes, kept on the device across sessions
        # (django-otp's setting for its own TOTP devices; 0 would turn the waits off).
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    def verify_token(self, token: object) -> bool:
        """Whether `token` is the code of now (± one step) and later than the last one accepted."""
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        text = str(token)
        verified = False
        if len(text) == self.DIGITS and text.isascii() and text.isdigit():
            totp = TOTP(self.bin_key, self.STEP, 0, self.DIGITS, 0)
            totp.time = totp_clock()
            # No drift learning (django-otp's OTP_TOTP_SYNC): the window stays where the clock is.
            verified = totp.verify(int(text), self.TOLERANCE, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified


# Recovery codes: 16 characters without look-alikes (no 0/o, 1/i/l, u/v): about 78 bits each.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstwxyz"
RECOVERY_LENGTH = 16
RECOVERY_CODES = 10


def normalize_code(value: str) -> str:
    """A code as typed: any width (a Korean keyboard's full-width digits), case, spaces or dashes."""
    text = unicodedata.normalize("NFKC", value).lower()
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


def recovery_digest(code: str) -> str:
    """How a recovery code is stored: SHA-256 of its normalised form.

    A fast hash suffices for random codes of ~78 bits (as knox does for API tokens): nobody can
    try them all, which is what a slow hash protects low-entropy passwords against.
    """
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def _random_code() -> str:
    return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))


class RecoveryCodeDevice(TimestampMixin, CappedThrottlingMixin, Device):
    """The account's one-time recovery codes, for a lost phone; only their digests are stored.

    django-otp's StaticDevice keeps its codes in clear. Each code here signs in once: the matching
    row is deleted in the same transaction that accepts it.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="recovery_code_devices", verbose_name=_("account")
    )

    class Meta:
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1))

    def new_codes(self) -> list[str]:
        """Replaces every code with RECOVERY_CODES new ones and returns them: the only time they exist in clear."""
        codes = [_random_code() for _ in range(RECOVERY_CODES)]
        self.codes.all().delete()
        RecoveryCode.objects.bulk_create(RecoveryCode(device=self, digest=recovery_digest(code)) for code in codes)
        return ["-".join(code[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)) for code in codes]

    def verify_token(self, token: object) -> bool:
        """Whether `token` is one of the remaining codes; if so, that code is used up."""
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        code = normalize_code(str(token))
        # A concurrent use of the same code deletes nothing here: only one of the two signs in.
        used = len(code) == RECOVERY_LENGTH and self.codes.filter(digest=recovery_digest(code)).delete()[0] > 0
        if used:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment(commit=True)
        return used


class RecoveryCode(models.Model):
    """One unused recovery code, as its SHA-256 digest."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            # Also the index of the lookup when a code is entered: WHERE device_id = … AND digest = ….
            models.UniqueConstraint(fields=["device", "digest"], name="recovery_code_unique"),
        ]

    def __str__(self) -> str:
        # Never the digest: nothing about a code is shown, not even in the admin or a log line.
        return f"recovery code #{self.pk}"
