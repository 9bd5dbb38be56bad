"""Everything a case holds, subject by subject: what the victim's export shows and what a purge deletes.

One registry, SUBJECTS, names every subject of a case with its exporter and its purger. Export
(the victim's right of access) and purge (retention, and erasure on her request) walk the same list,
so a subject cannot be exported and forgotten by the purge, or the reverse. A new subject of a case
(evidence hashes, referrals, risk assessments, guardians …) adds a `Subject` here; a test
(tests/cases/test_subjects.py) fails while any table that points at a case, or at a row of a case,
is covered by no subject.

Purgers run in the list's order inside the purge's transaction (cases/actions/purge.py), children
before their parents; the case row itself goes last, in the purge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cases.models import (
    AccessLog,
    BankHash,
    Case,
    CaseEvent,
    ClosureRequest,
    DutyReport,
    ErasureRequest,
    Escalation,
    EventKind,
    Evidence,
    EvidenceFile,
    EvidenceHash,
    EvidenceMatch,
    FollowUp,
    Guardian,
    LegalDuty,
    LetterAttempt,
    NameGram,
    Note,
    PlatformReply,
    PortalAccess,
    PortalSession,
    Referral,
    ReplyAttachment,
    RiskAssessment,
    Sighting,
    SightingCheck,
    TakedownItem,
    TakedownRequest,
)
from notifications import outbox

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Row = dict[str, Any]


@dataclass(frozen=True)
class Subject:
    """One kind of thing a case holds: how to show it to the victim and how to delete it.

    `covers` names the tables whose rows this subject deletes (or, for the access log, keeps
    deliberately); `export` returns the rows the victim is shown, `purge` deletes and returns a count.
    """

    name: str
    covers: tuple[type[Model], ...]
    export: Callable[[Case], list[Row]]
    purge: Callable[[Case], int]
    keeps_rows: bool = field(default=False)
    # The section's heading in the PDF export (the JSON uses `name`).
    label: StrOrPromise = ""


def _values(rows: QuerySet[Any], *fields: str) -> list[Row]:
    """Plain values (encrypted fields decrypted by their field), oldest first."""
    return [dict(row) for row in rows.order_by("pk").values(*fields)]


def _delete(rows: QuerySet[Any]) -> int:
    return rows.delete()[0]


# --- The subjects of a case today ---------------------------------------------------------------------------


def _case_details(case: Case) -> list[Row]:
    return _values(
        Case.objects.filter(pk=case.pk),
        "reference",
        "status",
        "priority",
        "is_minor",
        "harm_types",
        "summary",
        "victim_name",
        "contact_email",
        "contact_phone",
        "safe_contact_notes",
        "preferred_language",
        "consent_contact",
        "contact_channel",
        "quiet_start",
        "quiet_end",
        "consent_share_with_police",
        "consent_hash_matching",
        "consent_keep_evidence",
        "assigned_to__full_name",
        "created_at",
        "updated_at",
        "closed_at",
        "retention_until",
    )


def _name_grams(case: Case) -> int:
    return _delete(NameGram.objects.filter(case=case))


def _notes(case: Case) -> list[Row]:
    return _values(case.notes.all(), "created_at", "author__full_name", "kind", "visibility", "body")


def _sightings(case: Case) -> list[Row]:
    return _values(
        case.sightings.all(),
        "url",
        "platform__name",
        "found_by",
        "content_kind",
        "is_synthetic",
        "exposes_personal_info",
        "state",
        "last_checked_at",
        "removed_at",
        "created_at",
    )


def _takedowns(case: Case) -> list[Row]:
    rows = _values(
        case.takedowns.all(),
        "id",
        "platform__name",
        "status",
        "channel",
        "sent_subject",
        "sent_body",
        "sent_at",
        "deadline_at",
        "ticket_number",
        "acknowledged_at",
        "escalated_at",
        "closed_at",
        "created_at",
    )
    urls: dict[int, list[str]] = {}
    for takedown_id, url in TakedownItem.objects.filter(takedown__case=case).values_list(
        "takedown_id", "sighting__url"
    ):
        urls.setdefault(takedown_id, []).append(url)
    for row in rows:
        row["places"] = urls.get(row.pop("id"), [])
    return rows


def _purge_takedowns(case: Case) -> int:
    takedowns = TakedownRequest.objects.filter(case=case)
    count = _delete(LetterAttempt.objects.filter(takedown__in=takedowns))
    count += _delete(TakedownItem.objects.filter(takedown__in=takedowns))
    return count + _delete(takedowns)


def _followups(case: Case) -> list[Row]:
    return _values(case.followups.all(), "due_at", "owner__full_name", "note", "created_at")


def _portal(case: Case) -> list[Row]:
    # Never the passphrase's hash: what she can use is the passphrase itself, which only she has.
    return _values(case.portal_accesses.all(), "language", "holder", "holder_reason", "issued_at", "revoked_at")


def _purge_portal(case: Case) -> int:
    return _delete(PortalSession.objects.filter(case=case)) + _delete(PortalAccess.objects.filter(case=case))


def _closures(case: Case) -> list[Row]:
    return _values(
        case.closure_requests.all(),
        "created_at",
        "requested_by_kind",
        "reason",
        "decision",
        "decided_at",
        "decline_reason",
    )


def _risk(case: Case) -> list[Row]:
    return _values(
        case.risk_assessments.all(), "created_at", "level", "asked", "answer", "plan", "assessed_by__full_name"
    )


def _purge_risk(case: Case) -> int:
    # Escalations first: each points at the assessment that raised it (PROTECT).
    return _delete(Escalation.objects.filter(case=case)) + _delete(RiskAssessment.objects.filter(case=case))


def _referrals(case: Case) -> list[Row]:
    return _values(
        case.referrals.all(),
        "created_at",
        "partner__name",
        "kind",
        "status",
        "reason",
        "shared_items",
        "no_contact_reason",
        "outcome_note",
        "attachment",
        "consented_at",
        "sent_at",
        "answered_at",
        "completed_at",
    )


def _replies(case: Case) -> list[Row]:
    """Platforms' replies matched to the case's requests (a queued reply names no case: the centre's)."""
    rows = _values(
        PlatformReply.objects.filter(takedown__case=case),
        "received_at",
        "takedown__platform__name",
        "status",
        "from_address",
        "subject",
        "text",
        "ticket_number",
        "attachments",
    )
    return rows


def _purge_replies(case: Case) -> int:
    replies = PlatformReply.objects.filter(takedown__case=case)
    return _delete(ReplyAttachment.objects.filter(reply__in=replies)) + _delete(replies)


def _guardian(case: Case) -> list[Row]:
    return _values(
        Guardian.objects.filter(case=case),
        "name",
        "relationship",
        "contact_email",
        "contact_phone",
        "preferred_language",
        "safe_to_contact",
        "contact_channel",
        "consent_given_by",
        "consent_given_at",
        "consent_method",
    )


def _duties(case: Case) -> list[Row]:
    owed = _values(LegalDuty.objects.filter(case=case), "kind", "raised_at", "discharged_at")
    made = _values(
        DutyReport.objects.filter(case=case), "authority", "reported_at", "reported_by__full_name", "reference_number"
    )
    return owed + made


def _purge_duties(case: Case) -> int:
    # Reports first: each points at the duty it discharged (PROTECT).
    return _delete(DutyReport.objects.filter(case=case)) + _delete(LegalDuty.objects.filter(case=case))


def _erasure(case: Case) -> list[Row]:
    return _values(ErasureRequest.objects.filter(case=case), "created_at", "requested_by__full_name", "reason")


def _liveness_checks(case: Case) -> list[Row]:
    return _values(
        SightingCheck.objects.filter(sighting__case=case), "sighting__url", "checked_at", "http_status", "outcome"
    )


def _evidence(case: Case) -> list[Row]:
    """Each upload with its hashes: the SHA-256 of the bytes and the PDQ hashes (one a second of a video)."""
    rows = _values(
        Evidence.objects.filter(case=case),
        "id",
        "created_at",
        "created_by__full_name",
        "kind",
        "media_type",
        "size",
        "sha256",
        "quality",
        "kept",
        "known_elsewhere",
    )
    hashes: dict[int, list[Row]] = {}
    for evidence_id, second, pdq, quality in (
        EvidenceHash.objects.filter(case=case)
        .order_by("evidence_id", "second", "pk")
        .values_list("evidence_id", "second", "pdq", "quality")
    ):
        hashes.setdefault(evidence_id, []).append({"second": second, "pdq": pdq, "quality": quality})
    for row in rows:
        row["hashes"] = hashes.get(row.pop("id"), [])
    return rows


def _purge_evidence(case: Case) -> int:
    # The hashes first (each points at its upload), then the uploads; matches and files went above.
    return _delete(EvidenceHash.objects.filter(case=case)) + _delete(Evidence.objects.filter(case=case))


def _kept_files(case: Case) -> list[Row]:
    """That a file is kept, of which upload, and its type; not the bytes (the images are the abuse itself,
    and an export travels: the counsellor shows a kept file on the case page when she asks)."""
    return _values(
        EvidenceFile.objects.filter(evidence__case=case),
        "evidence__sha256",
        "evidence__media_type",
        "evidence__size",
        "viewing_type",
    )


def _matches_of(case: Case) -> QuerySet[EvidenceMatch]:
    """Either side: this case's upload looked like another's, or another case's upload looked like this one's."""
    return EvidenceMatch.objects.filter(Q(evidence__case=case) | Q(matched__case=case))


def _matches(case: Case) -> list[Row]:
    # Her own upload and how close; never the other case, which is another victim's.
    rows = []
    for match in _matches_of(case).select_related("evidence", "matched").order_by("pk"):
        mine = match.evidence if match.evidence.case_id == case.pk else match.matched
        rows.append({"created_at": match.created_at, "evidence_sha256": mine.sha256, "distance": match.distance})
    return rows


def _bank(case: Case) -> list[Row]:
    return _values(BankHash.objects.filter(source__case=case), "shared_at", "pdq", "quality")


def _police_packs(case: Case) -> list[Row]:
    """Each evidence pack given to the police: when, by whom, why, and the SHA-256 of its signed manifest."""
    rows = _values(
        case.events.filter(kind=EventKind.POLICE_PACK_EXPORTED), "created_at", "actor__full_name", "reason", "new"
    )
    for row in rows:
        row["manifest_sha256"] = (row.pop("new") or {}).get("manifest_sha256", "")
    return rows


def _events(case: Case) -> list[Row]:
    return _values(case.events.all(), "created_at", "actor_kind", "actor__full_name", "kind", "old", "new", "reason")


def _notifications(case: Case) -> int:
    """Messages about the case: its follow-ups (`case:<id>`), the victim's updates, its requests' reminders."""
    groups = [f"case:{case.pk}", f"victim:case:{case.pk}"]
    groups += [f"takedown:{pk}" for pk in TakedownRequest.objects.filter(case=case).values_list("pk", flat=True)]
    groups += [f"escalation:{pk}" for pk in Escalation.objects.filter(case=case).values_list("pk", flat=True)]
    groups += [f"guardian:case:{case.pk}"]
    groups += [f"duty:{pk}" for pk in LegalDuty.objects.filter(case=case).values_list("pk", flat=True)]
    return outbox.forget(group_keys=groups, param="case_id", value=case.pk)


def _access_log(case: Case) -> list[Row]:
    return _values(AccessLog.objects.filter(case=case), "created_at", "user__full_name", "action")


def _keep_access_log(case: Case) -> int:
    """The log keeps its rows: the case link goes, the reference (written with each row) stays, so the
    sealed chain of the log still verifies (cases/chain.py hashes the reference, never the link)."""
    return AccessLog.objects.filter(case=case).update(case=None)


def _nothing(case: Case) -> list[Row]:
    return []


SUBJECTS: list[Subject] = [
    # Messages first: their group keys name the case's requests, which go below.
    Subject("notifications", (), _nothing, _notifications, label=_("Messages")),
    Subject("case", (Case,), _case_details, lambda case: 0, label=_("The case")),
    Subject("search_index", (NameGram,), _nothing, _name_grams, label=_("Search index")),
    Subject("notes", (Note,), _notes, lambda case: _delete(case.notes.all()), label=_("Notes")),
    # Before the requests: a regulator referral and a reply each point at one.
    Subject(
        "referrals",
        (Referral,),
        _referrals,
        lambda case: _delete(case.referrals.all()),
        label=_("Referrals"),
    ),
    Subject(
        "replies",
        (PlatformReply, ReplyAttachment),
        _replies,
        _purge_replies,
        label=_("Platforms' replies"),
    ),
    Subject(
        "takedowns",
        (TakedownRequest, TakedownItem, LetterAttempt),
        _takedowns,
        _purge_takedowns,
        label=_("Takedown requests"),
    ),
    # Before the places: each check points at one.
    Subject(
        "liveness_checks",
        (SightingCheck,),
        _liveness_checks,
        lambda case: _delete(SightingCheck.objects.filter(sighting__case=case)),
        label=_("Checks that the content was still online"),
    ),
    Subject(
        "sightings",
        (Sighting,),
        _sightings,
        lambda case: _delete(case.sightings.all()),
        label=_("Where the content appeared"),
    ),
    # Evidence: the hashes shared with the national bank leave it first (another centre must not match
    # them once she is gone), then matches, kept files, the hashes and the uploads themselves.
    Subject(
        "hash_bank",
        (BankHash,),
        _bank,
        lambda case: _delete(BankHash.objects.filter(source__case=case)),
        label=_("Hashes shared with the national hash bank"),
    ),
    Subject(
        "evidence_matches",
        (EvidenceMatch,),
        _matches,
        lambda case: _delete(_matches_of(case)),
        label=_("Evidence that matched another case"),
    ),
    Subject(
        "kept_files",
        (EvidenceFile,),
        _kept_files,
        lambda case: _delete(EvidenceFile.objects.filter(evidence__case=case)),
        label=_("Evidence files kept"),
    ),
    Subject("evidence", (Evidence, EvidenceHash), _evidence, _purge_evidence, label=_("Evidence and its hashes")),
    # Recorded in the history of changes (deleted there); shown on their own so that she sees each pack.
    Subject("police_packs", (), _police_packs, lambda case: 0, label=_("Evidence packs given to the police")),
    Subject("followups", (FollowUp,), _followups, lambda case: _delete(case.followups.all()), label=_("Follow-ups")),
    Subject("portal_access", (PortalAccess, PortalSession), _portal, _purge_portal, label=_("Portal access")),
    Subject(
        "closure_requests",
        (ClosureRequest,),
        _closures,
        lambda case: _delete(case.closure_requests.all()),
        label=_("Closure requests"),
    ),
    Subject("risk", (RiskAssessment, Escalation), _risk, _purge_risk, label=_("Risk of harm")),
    Subject(
        "guardian",
        (Guardian,),
        _guardian,
        lambda case: _delete(Guardian.objects.filter(case=case)),
        label=_("Guardian"),
    ),
    Subject("duties", (LegalDuty, DutyReport), _duties, _purge_duties, label=_("Reports the law requires")),
    Subject(
        "erasure_requests",
        (ErasureRequest,),
        _erasure,
        lambda case: _delete(ErasureRequest.objects.filter(case=case)),
        label=_("Erasure requests"),
    ),
    Subject("events", (CaseEvent,), _events, lambda case: _delete(case.events.all()), label=_("History of changes")),
    Subject("access_log", (AccessLog,), _access_log, _keep_access_log, keeps_rows=True, label=_("Who read the case")),
]


def covered_models() -> set[type[Model]]:
    return {model for subject in SUBJECTS for model in subject.covers}


def labels() -> dict[str, str]:
    return {subject.name: str(subject.label or subject.name) for subject in SUBJECTS}


def export(case: Case, subjects: Iterable[Subject] | None = None) -> dict[str, list[Row]]:
    """Everything held about the case, by subject."""
    return {subject.name: subject.export(case) for subject in subjects or SUBJECTS}
