"""Centres and the people who work in them, each with one role."""

from __future__ import annotations

import unicodedata
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
# The only models of the cases app an administrator may touch: reference data, no case content.
ADMIN_MANAGED_CASE_MODELS = frozenset({"platform", "platformdomain", "lettertemplate"})


class AccountEventKind(models.TextChoices):
    CREATED = "created", _("Account created")
    ROLE_CHANGED = "role_changed", _("Role changed")
    EMAIL_CHANGED = "email_changed", _("E-mail address changed")
    PASSWORD_RESET = "password_reset", _("Password link sent")
    DEACTIVATED = "deactivated", _("Deactivated")
    REACTIVATED = "reactivated", _("Reactivated")


class AccountEvent(models.Model):
    """One change made to an account by an administrator or an operator: who, whose, what, from and to.

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
