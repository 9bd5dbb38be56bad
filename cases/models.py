"""Cases, notes, the audit trail and the access log."""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Centre, Language
from cases.crypto import EncryptedTextField

# Easy to read aloud and to type: no 0/O, 1/I/L, nor U/V look-alikes.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
REFERENCE_LENGTH = 8


def new_reference() -> str:
    """A random, non-sequential reference such as `K7QM3XPA`, shown as `K7QM-3XPA`."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def normalise_reference(value: str) -> str:
    """What a victim reads out, as stored: upper case, without dashes or spaces."""
    return "".join(value.split()).replace("-", "").upper()


class Status(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    MONITORING = "monitoring", _("Monitoring")
    CLOSED = "closed", _("Closed")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class HarmType(models.TextChoices):
    SYNTHETIC = "synthetic", _("Synthetic image (deepfake)")
    FILMING = "filming", _("Non-consensual filming")
    DISTRIBUTION = "distribution", _("Distribution")
    SEXTORTION = "sextortion", _("Sextortion or threats")
    PERSONAL_INFO = "personal_info", _("Personal information exposed")


class ContactChannel(models.TextChoices):
    NONE = "none", _("Do not contact")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message (SMS)")


class Case(models.Model):
    """One person and what happened to them. Changed only through cases/actions.py."""

    # Foreign keys covered by a composite index below carry no index of their own (db_index=False).
    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="cases", verbose_name=_("centre"), db_index=False
    )
    reference = models.CharField(_("reference"), max_length=REFERENCE_LENGTH, unique=True, default=new_reference)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    # Sorting by priority means sorting by urgency, not by the alphabet.
    priority_rank = models.GeneratedField(
        expression=models.Case(
            *[models.When(priority=value, then=models.Value(rank)) for value, rank in PRIORITY_RANK.items()],
            default=models.Value(1),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    is_minor = models.BooleanField(_("minor"), default=False)
    harm_types = models.JSONField(_("harm types"), default=list, blank=True)
    summary = EncryptedTextField(_("summary"), blank=True, default="")

    # Victim details, encrypted at rest; found again only through the keyed hashes below.
    victim_name = EncryptedTextField(_("victim's name"))
    contact_email = EncryptedTextField(_("contact e-mail"), blank=True, default="")
    contact_phone = EncryptedTextField(_("contact phone"), blank=True, default="")
    safe_contact_notes = EncryptedTextField(_("when and how it is safe to contact"), blank=True, default="")
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.KOREAN
    )
    name_index = models.CharField(max_length=64, editable=False, default="")
    email_index = models.CharField(max_length=64, editable=False, default="")
    phone_index = models.CharField(max_length=64, editable=False, default="")

    consent_contact = models.BooleanField(_("may be contacted"), default=False)
    # How the victim wants to hear that there is an update, and when never to be contacted.
    contact_channel = models.CharField(
        _("how to tell of updates"), max_length=5, choices=ContactChannel.choices, default=ContactChannel.NONE
    )
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    consent_share_with_police = models.BooleanField(_("may be shared with the police"), default=False)
    consent_hash_matching = models.BooleanField(_("image hashes may be matched"), default=False)

    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned counsellor"),
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    retention_until = models.DateField(_("keep until"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # The counsellor's "my cases" list and dashboard: assigned_to = me, newest first.
            models.Index(fields=["assigned_to", "-created_at"], name="case_assignee_created_idx"),
            # GET /cases/?assigned_to=me&status=…: the page and its count from one index (access.my_cases).
            models.Index(fields=["centre", "assigned_to", "status", "-created_at"], name="case_mine_status_idx"),
            # The centre-wide list (supervisor) and the intake queue (assigned_to IS NULL).
            models.Index(fields=["centre", "-created_at"], name="case_centre_created_idx"),
            models.Index(
                fields=["centre", "-created_at"], condition=Q(assigned_to__isnull=True), name="case_intake_idx"
            ),
            # Exact search and duplicate detection at intake (centre + keyed hash).
            models.Index(fields=["centre", "name_index"], name="case_name_index_idx"),
            models.Index(fields=["centre", "email_index"], name="case_email_index_idx"),
            models.Index(fields=["centre", "phone_index"], name="case_phone_index_idx"),
        ]

    def __str__(self) -> str:
        # Never the victim's name: this string ends up in logs and admin messages.
        return self.display_reference

    @property
    def display_reference(self) -> str:
        return f"{self.reference[:4]}-{self.reference[4:]}"

    @property
    def consents(self) -> dict[str, bool]:
        return {
            "contact": self.consent_contact,
            "share_with_police": self.consent_share_with_police,
            "hash_matching": self.consent_hash_matching,
        }

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED


class NoteVisibility(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    SHARED = "shared", _("Shared with the victim")


class NoteKind(models.TextChoices):
    SESSION = "session", _("Counselling session")
    PHONE = "phone", _("Phone call")
    MESSAGE = "message", _("Message")
    EMAIL = "email", _("E-mail")
    IN_PERSON = "in_person", _("In person")
    OTHER = "other", _("Other")


class Note(models.Model):
    """A counselling session or a contact; `shared` notes are shown to the victim in the portal."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes", db_index=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=NoteKind.choices, default=NoteKind.SESSION)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=NoteVisibility.choices, default=NoteVisibility.INTERNAL
    )
    body = EncryptedTextField(_("note"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        indexes = [
            # The case page's timeline: a case's notes, newest first.
            models.Index(fields=["case", "-created_at"], name="note_case_created_idx"),
        ]

    def __str__(self) -> str:
        return f"note {self.pk} on case {self.case_id}"


class ActorKind(models.TextChoices):
    USER = "user", _("Staff")
    VICTIM = "victim", _("Victim (portal)")
    SYSTEM = "system", _("System")


class EventKind(models.TextChoices):
    CREATED = "created", _("Case opened")
    UPDATED = "updated", _("Details changed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    NOTE_ADDED = "note_added", _("Note added")
    SIGHTINGS_ADDED = "sightings_added", _("Places added")
    SIGHTING_CHANGED = "sighting_changed", _("Place updated")
    TAKEDOWN_DRAFTED = "takedown_drafted", _("Takedown request drafted")
    TAKEDOWN_EDITED = "takedown_edited", _("Takedown letter edited")
    TAKEDOWN_CHANGED = "takedown_changed", _("Takedown request updated")
    FOLLOWUP_SET = "followup_set", _("Follow-up set")


class CaseEvent(models.Model):
    """One change to a case: who made it, what changed, from what to what.

    Values of encrypted fields are never copied here; the event names the field and says it changed.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    old = models.JSONField(default=dict, blank=True)
    new = models.JSONField(default=dict, blank=True)
    # Free text a person typed ("called her, she asked to wait"): encrypted like a note.
    reason = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [
            # The case page's timeline and GET /cases/{id}/events/: a case's events in order.
            models.Index(fields=["case", "created_at"], name="event_case_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(actor_kind="user", actor__isnull=False) | ~Q(actor_kind="user"),
                name="event_user_actor_present",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on case {self.case_id}"


class AccessAction(models.TextChoices):
    VIEW = "view", _("Opened")
    EXPORT = "export", _("Exported")
    # An intake check that matched cases the person may not see: counted, so it leaves a trace.
    DUPLICATE_CHECK = "duplicate_check", _("Checked for duplicates")


class AccessLog(models.Model):
    """Every time a person opens a case or exports data: who, when, from where."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, related_name="access_log", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    action = models.CharField(max_length=20, choices=AccessAction.choices, default=AccessAction.VIEW)
    ip_address = models.GenericIPAddressField(null=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects: ClassVar[models.Manager[AccessLog]] = models.Manager()

    class Meta:
        indexes = [
            # The supervisor's access log of the centre, newest first, filtered by case or user.
            models.Index(fields=["centre", "-created_at"], name="access_centre_created_idx"),
            models.Index(fields=["case", "-created_at"], name="access_case_created_idx"),
            models.Index(fields=["user", "-created_at"], name="access_user_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} of case {self.case_id} by user {self.user_id}"


# --- Platforms, sightings, takedown requests -----------------------------------------------------


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
    # The "unknown site" entry: where a URL goes when no domain matches.
    is_fallback = models.BooleanField(_("fallback for unknown sites"), default=False)

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_fallback"], condition=Q(is_fallback=True), name="platform_one_fallback")
        ]

    def __str__(self) -> str:
        return self.name


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


class FoundBy(models.TextChoices):
    COUNSELLOR = "counsellor", _("Counsellor")
    VICTIM = "victim", _("Victim")
    MONITORING = "monitoring", _("Monitoring")


class ContentKind(models.TextChoices):
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")
    TEXT = "text", _("Text or post")
    PROFILE = "profile", _("Profile or account")
    ROOM = "room", _("Chat room or channel")
    OTHER = "other", _("Other")


class SightingState(models.TextChoices):
    ONLINE = "online", _("Online")
    REMOVED = "removed", _("Removed")
    REAPPEARED = "reappeared", _("Reappeared")


class Sighting(models.Model):
    """One place where the content appears. The URL is encrypted; its keyed hash finds it again."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sightings", db_index=False)
    url = EncryptedTextField(_("address"))
    url_hash = models.CharField(max_length=64, editable=False)
    # The host alone says which service, not what content: kept plain for platform reports.
    host = models.CharField(_("host"), max_length=253)
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="sightings")
    found_by = models.CharField(_("found by"), max_length=20, choices=FoundBy.choices, default=FoundBy.COUNSELLOR)
    content_kind = models.CharField(_("content"), max_length=20, choices=ContentKind.choices, default=ContentKind.IMAGE)
    is_synthetic = models.BooleanField(_("synthetic (deepfake)"), default=False)
    exposes_personal_info = models.BooleanField(_("exposes personal information"), default=False)
    state = models.CharField(_("state"), max_length=20, choices=SightingState.choices, default=SightingState.ONLINE)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("found at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("sighting")
        verbose_name_plural = _("sightings")
        constraints = [
            # One row per address per case; pasting it again reports the existing one.
            models.UniqueConstraint(fields=["case", "url_hash"], name="sighting_case_url_unique"),
        ]
        indexes = [
            # The same content in other cases of the centre: lookup by the address's keyed hash.
            models.Index(fields=["url_hash"], name="sighting_url_hash_idx"),
        ]

    def __str__(self) -> str:
        # Not the host: "name.blogspot.com" can be personal, and this string reaches admin pages.
        return f"sighting {self.pk}"


class TakedownStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ESCALATED = "escalated", _("Escalated to the regulator")
    REMOVED = "removed", _("Removed")
    PARTIALLY_REMOVED = "partially_removed", _("Partially removed")
    REFUSED = "refused", _("Refused")


OPEN_TAKEDOWN_STATUSES = (
    TakedownStatus.DRAFT,
    TakedownStatus.SENT,
    TakedownStatus.ACKNOWLEDGED,
    TakedownStatus.ESCALATED,
)


class TakedownRequest(models.Model):
    """One request to one platform about one or more sightings of one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="takedowns", db_index=False)
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="takedowns", db_index=False)
    sightings = models.ManyToManyField(Sighting, through="TakedownItem", related_name="takedowns")
    status = models.CharField(_("status"), max_length=20, choices=TakedownStatus.choices, default=TakedownStatus.DRAFT)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    # The letter as drafted and edited; the copy that was sent is frozen in sent_subject/sent_body.
    subject = EncryptedTextField(_("subject"))
    body = EncryptedTextField(_("letter"))
    sent_subject = EncryptedTextField(_("subject as sent"), blank=True, default="")
    sent_body = EncryptedTextField(_("letter as sent"), blank=True, default="")
    channel = models.CharField(_("channel"), max_length=10, choices=RequestChannel.choices, blank=True, default="")
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    ticket_number = models.CharField(_("platform's ticket number"), max_length=200, blank=True, default="")
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("takedown request")
        verbose_name_plural = _("takedown requests")
        indexes = [
            # The centre's "takedowns due" page: open requests with a deadline, soonest first.
            # Covering (status, case): the overdue count is then an index-only scan (PostgreSQL).
            models.Index(
                fields=["centre", "deadline_at"],
                include=["status", "case"],
                condition=Q(status__in=["sent", "acknowledged", "escalated"]),
                name="takedown_due_idx",
            ),
            # A case's requests, newest first (case page, ?case= filter).
            models.Index(fields=["case", "-created_at"], name="takedown_case_created_idx"),
            # Platform performance reports and ?platform= filter.
            models.Index(fields=["platform", "status"], name="takedown_platform_status_idx"),
        ]

    def __str__(self) -> str:
        return f"takedown {self.pk} to {self.platform_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TAKEDOWN_STATUSES

    @property
    def is_overdue(self) -> bool:
        """Derived, never stored: sent or acknowledged, and the platform's deadline has passed."""
        return (
            self.status in (TakedownStatus.SENT, TakedownStatus.ACKNOWLEDGED)
            and self.deadline_at is not None
            and self.deadline_at < timezone.now()
        )


class TakedownItem(models.Model):
    """A sighting covered by a request. `is_open` mirrors the request, so that one sighting is never
    in two open requests (enforced by the database)."""

    takedown = models.ForeignKey(TakedownRequest, on_delete=models.CASCADE, related_name="items")
    sighting = models.ForeignKey(Sighting, on_delete=models.CASCADE, related_name="takedown_items")
    is_open = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["takedown", "sighting"], name="takedown_item_unique"),
            models.UniqueConstraint(fields=["sighting"], condition=Q(is_open=True), name="sighting_one_open_request"),
        ]

    def __str__(self) -> str:
        return f"sighting {self.sighting_id} in takedown {self.takedown_id}"


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


class FollowUp(models.Model):
    """ "Call back Friday 14:00": a counsellor's own reminder on a case, delivered through the outbox."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followups", db_index=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("when"))
    note = EncryptedTextField(_("what to do"), blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [
            # The case page's follow-ups, soonest first.
            models.Index(fields=["case", "due_at"], name="followup_case_due_idx"),
        ]

    def __str__(self) -> str:
        return f"follow-up {self.pk} on case {self.case_id}"
