"""The tables of the cases app, one module per subject.

Django finds an app's models by importing `cases.models`, so this package names every model and
choice; code may import from here or from the subject module.
"""

from __future__ import annotations

from cases.models.audit import AccessAction, AccessBlock, AccessLog, AccessReview, ActorKind, CaseEvent, EventKind
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
from cases.models.duty import Authority, DutyKind, DutyReport, LegalDuty
from cases.models.evidence import Evidence, EvidenceFile, EvidenceHash, EvidenceKind, EvidenceMatch
from cases.models.followup import FollowUp
from cases.models.guardian import GUARDIAN_PRIVATE_FIELDS, ConsentMethod, Guardian
from cases.models.hash_bank import BankHash
from cases.models.letter import LetterAttempt, LetterOutcome, MailState, new_letter_token
from cases.models.liveness import CheckOutcome, SightingCheck
from cases.models.note import Note, NoteKind, NoteVisibility
from cases.models.platform import LetterTemplate, Platform, PlatformDomain, PlatformKind, RequestChannel
from cases.models.police import CentreSigningKey
from cases.models.portal import PortalAccess, PortalHolder, PortalSession, PortalSignInFailure
from cases.models.referral import (
    CONTACT_ITEMS,
    TAKEDOWN_ITEMS,
    Partner,
    PartnerChannel,
    PartnerKind,
    Referral,
    ReferralStatus,
    SharedItem,
)
from cases.models.reply import QUEUE_STATUSES, REPLY_OUTCOMES, PlatformReply, ReplyAttachment, ReplyStatus
from cases.models.report import ReportBuild, ReportCaseDay, ReportPlaceDay, ReportRequestDay
from cases.models.retention import (
    ErasureRequest,
    PurgedCaseDay,
    PurgedPlaceDay,
    PurgedTakedown,
    PurgeKind,
    PurgeRecord,
)
from cases.models.safety import (
    ESCALATING_LEVELS,
    CrisisLine,
    Escalation,
    EscalationState,
    OnCallShift,
    RiskAssessment,
    RiskLevel,
    Weekday,
)
from cases.models.search import NameGram
from cases.models.sighting import ContentKind, FoundBy, Sighting, SightingState
from cases.models.takedown import OPEN_TAKEDOWN_STATUSES, TakedownItem, TakedownRequest, TakedownStatus

__all__ = [
    "CONTACT_ITEMS",
    "ESCALATING_LEVELS",
    "GUARDIAN_PRIVATE_FIELDS",
    "OPEN_TAKEDOWN_STATUSES",
    "PRIORITY_RANK",
    "PRIVATE_FIELDS",
    "QUEUE_STATUSES",
    "REFERENCE_ALPHABET",
    "REFERENCE_LENGTH",
    "REPLY_OUTCOMES",
    "TAKEDOWN_ITEMS",
    "AccessAction",
    "AccessBlock",
    "AccessLog",
    "AccessReview",
    "ActorKind",
    "Authority",
    "BankHash",
    "Case",
    "CaseEvent",
    "CentreSigningKey",
    "CheckOutcome",
    "ClosureDecision",
    "ClosureRequest",
    "ConsentMethod",
    "ContactChannel",
    "ContentKind",
    "CrisisLine",
    "DutyKind",
    "DutyReport",
    "ErasureRequest",
    "Escalation",
    "EscalationState",
    "EventKind",
    "Evidence",
    "EvidenceFile",
    "EvidenceHash",
    "EvidenceKind",
    "EvidenceMatch",
    "FollowUp",
    "FoundBy",
    "Guardian",
    "HarmType",
    "LegalDuty",
    "LetterAttempt",
    "LetterOutcome",
    "LetterTemplate",
    "MailState",
    "NameGram",
    "Note",
    "NoteKind",
    "NoteVisibility",
    "OnCallShift",
    "Partner",
    "PartnerChannel",
    "PartnerKind",
    "Platform",
    "PlatformDomain",
    "PlatformKind",
    "PlatformReply",
    "PortalAccess",
    "PortalHolder",
    "PortalSession",
    "PortalSignInFailure",
    "Priority",
    "PurgeKind",
    "PurgeRecord",
    "PurgedCaseDay",
    "PurgedPlaceDay",
    "PurgedTakedown",
    "Referral",
    "ReferralStatus",
    "ReplyAttachment",
    "ReplyStatus",
    "ReportBuild",
    "ReportCaseDay",
    "ReportPlaceDay",
    "ReportRequestDay",
    "RequestChannel",
    "RiskAssessment",
    "RiskLevel",
    "SharedItem",
    "Sighting",
    "SightingCheck",
    "SightingState",
    "Status",
    "TakedownItem",
    "TakedownRequest",
    "TakedownStatus",
    "Weekday",
    "new_letter_token",
    "new_reference",
    "normalise_reference",
]
