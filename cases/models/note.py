"""Notes: counselling sessions and contacts, internal or shared with the victim."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.crypto import CaseEncryptedTextField, CaseKeyedManager
from cases.models.case import Case


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
    body = CaseEncryptedTextField(_("note"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    # Fetches the case keys of a page of rows in one query (cases/crypto.py).
    objects = CaseKeyedManager()

    class Meta:
        indexes = [
            # The case page's timeline: a case's notes, newest first.
            models.Index(fields=["case", "-created_at"], name="note_case_created_idx"),
        ]

    def __str__(self) -> str:
        return f"note {self.pk} on case {self.case_id}"
