"""The platform directory: services where content appears, their domains and letter templates."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Language
from cases.validators import validate_ticket_pattern


class PlatformKind(models.TextChoices):
    MESSAGING = "messaging", _("Messaging")
    SOCIAL = "social", _("Social media")
    ADULT = "adult", _("Adult site")
    SEARCH = "search", _("Search engine")
    HOSTING = "hosting", _("Hosting")
    FORUM = "forum", _("Forum")
    OTHER = "other", _("Other")


class RequestChannel(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    EMAIL = "email", _("E-mail")
    API = "api", _("API")


class Platform(models.Model):
    """A service where content appears, and how to ask it to take content down. Administrators edit it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PlatformKind.choices, default=PlatformKind.OTHER)
    country = models.CharField(_("country"), max_length=2, blank=True, default="", help_text=_("ISO 3166 code"))
    channel = models.CharField(_("request channel"), max_length=10, choices=RequestChannel.choices)
    contact = models.CharField(
        _("where requests go"), max_length=500, blank=True, default="", help_text=_("Web form address or e-mail")
    )
    response_hours = models.PositiveSmallIntegerField(_("response deadline (hours)"), default=24)
    request_language = models.CharField(
        _("language of requests"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    evidence_required = models.TextField(_("evidence the platform requires"), blank=True, default="")
    regulator_escalation = models.BooleanField(_("the regulator (KCSC) takes escalations"), default=False)
    # How the platform's replies quote their own ticket number; the first group (or the whole match) is it.
    ticket_pattern = models.CharField(
        _("ticket number pattern"),
        max_length=200,
        blank=True,
        default="",
        validators=[validate_ticket_pattern],
        help_text=_("A regular expression; its first group is the ticket number. Empty: a general pattern."),
    )
    # The "unknown site" entry: where a URL goes when no domain matches.
    is_fallback = models.BooleanField(_("fallback for unknown sites"), default=False)
    # Liveness checks (cases/liveness.py): how often a place on this platform is checked, and what
    # "removed" looks like there: these HTTP statuses, or this text on a page that still answers 200.
    check_interval_hours = models.PositiveSmallIntegerField(_("check places every (hours)"), default=24)
    removed_statuses = models.JSONField(_("HTTP statuses that mean removed"), default=list, blank=True)
    removed_marker = models.CharField(
        _("text on a page that means removed"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("Some platforms answer 200 with a notice; the notice's text, as it appears in the page."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_fallback"], condition=Q(is_fallback=True), name="platform_one_fallback")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def removed_status_codes(self) -> frozenset[int]:
        """The statuses that mean "removed" here: the platform's own, else 404 and 410."""
        if self.removed_statuses:
            return frozenset(int(code) for code in self.removed_statuses)
        return frozenset({404, 410})


class PlatformDomain(models.Model):
    """A domain of a platform; a URL's host matches the longest domain it ends with."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("domain"), max_length=253, unique=True)

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class LetterTemplate(models.Model):
    """The text of a takedown request for one language, for one platform or (platform empty) all.

    Placeholders: $platform, $urls, $count, $legal_basis, $centre, $reference, $hours. No victim detail
    is offered to templates at all.
    """

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, null=True, blank=True, related_name="letters")
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("letter"))
    legal_basis = models.TextField(_("legal basis"))

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        constraints = [
            models.UniqueConstraint(fields=["platform", "language"], name="letter_platform_language_unique"),
            models.UniqueConstraint(
                fields=["language"], condition=Q(platform__isnull=True), name="letter_default_language_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform or 'default'} ({self.language})"
