"""The tables of the cases app, one module per subject.

Django finds an app's models by importing `cases.models`, so this package names every model and
choice; code may import from here or from the subject module.
"""

from __future__ import annotations

from cases.models.audit import AccessAction, AccessLog, ActorKind, CaseEvent, EventKind
from cases.models.case import (
    PRIORITY_RANK,
    PRIVATE_FIELDS,
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    Case,
    ContactChannel,
    HarmType,
    Priority,
    Status,
    new_reference,
    normalise_reference,
)
from cases.models.closure import ClosureDecision, ClosureRequest
from cases.models.evidence import Evidence, EvidenceFile, EvidenceHash, EvidenceKind, EvidenceMatch
from cases.models.followup import FollowUp
from cases.models.hash_bank import BankHash
from cases.models.letter import LetterAttempt, LetterOutcome, MailState, new_letter_token
from cases.models.liveness import CheckOutcome, SightingCheck
from cases.models.note import Note, NoteKind, NoteVisibility
from cases.models.platform import LetterTemplate, Platform, PlatformDomain, PlatformKind, RequestChannel
from cases.models.police import CentreSigningKey
from cases.models.portal import PortalAccess, PortalSession, PortalSignInFailure
from cases.models.report import ReportBuild, ReportCaseDay, ReportPlaceDay, ReportRequestDay
from cases.models.search import NameGram
from cases.models.sighting import ContentKind, FoundBy, Sighting, SightingState
from cases.models.takedown import OPEN_TAKEDOWN_STATUSES, TakedownItem, TakedownRequest, TakedownStatus

__all__ = [
    "OPEN_TAKEDOWN_STATUSES",
    "PRIORITY_RANK",
    "PRIVATE_FIELDS",
    "REFERENCE_ALPHABET",
    "REFERENCE_LENGTH",
    "AccessAction",
    "AccessLog",
    "ActorKind",
    "BankHash",
    "Case",
    "CaseEvent",
    "CentreSigningKey",
    "CheckOutcome",
    "ClosureDecision",
    "ClosureRequest",
    "ContactChannel",
    "ContentKind",
    "EventKind",
    "Evidence",
    "EvidenceFile",
    "EvidenceHash",
    "EvidenceKind",
    "EvidenceMatch",
    "FollowUp",
    "FoundBy",
    "HarmType",
    "LetterAttempt",
    "LetterOutcome",
    "LetterTemplate",
    "MailState",
    "NameGram",
    "Note",
    "NoteKind",
    "NoteVisibility",
    "Platform",
    "PlatformDomain",
    "PlatformKind",
    "PortalAccess",
    "PortalSession",
    "PortalSignInFailure",
    "Priority",
    "ReportBuild",
    "ReportCaseDay",
    "ReportPlaceDay",
    "ReportRequestDay",
    "RequestChannel",
    "Sighting",
    "SightingCheck",
    "SightingState",
    "Status",
    "TakedownItem",
    "TakedownRequest",
    "TakedownStatus",
    "new_letter_token",
    "new_reference",
    "normalise_reference",
]
