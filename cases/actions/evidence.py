"""Evidence: an uploaded file becomes hashes (and, with the victim's consent, a kept encrypted file),
is matched against the centre's hashes, and the places of matching cases can be added to this one.

The bytes are hashed before the transaction (cases/hashing.py, in memory); this module stores what
may be stored. A match links the two cases: both get an event, neither learns the other's details.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import access, hash_bank
from cases.actions.common import record_event, require_write
from cases.actions.errors import ActionError
from cases.actions.sightings import LineResult, SightingFlags, add_lines
from cases.evidence_vault import keep_file
from cases.hashing import Hashed, video_viewing_copy, viewing_copy
from cases.matching import matches_in_centre
from cases.models import Case, EventKind, Evidence, EvidenceHash, EvidenceKind, EvidenceMatch, Sighting, SightingState
from cases.models.evidence import CHUNK_FIELDS

MAX_PROPOSALS = 200


@dataclass(frozen=True)
class EvidenceAdded:
    """The stored evidence, whether it is new (False: the same bytes were already on this case), the
    centre's evidence it matched: {evidence id: (case id, distance)}, and whether its file is kept now."""

    evidence: Evidence
    created: bool
    matched: dict[int, tuple[int, int]] = field(default_factory=dict)
    # True when the same bytes were on the case with only their hashes, and are kept now.
    kept_now: bool = False


def _matches(case: Case, evidence: Evidence, hashed: Hashed) -> dict[int, tuple[int, int]]:
    """The centre's other evidence with the same bytes (distance 0) or within PDQ distance 31."""
    found: dict[int, tuple[int, int]] = {
        pk: (case_id, 0)
        for pk, case_id in Evidence.objects.filter(centre_id=case.centre_id, sha256=hashed.sha256)
        .exclude(case_id=case.pk)
        .values_list("pk", "case_id")
    }
    for perceptual in hashed.hashes:
        if not perceptual.matchable:
            continue  # below quality 50: kept, never matched
        for match in matches_in_centre(case.centre_id, perceptual.pdq, exclude_case_id=case.pk):
            if match.evidence_id not in found or found[match.evidence_id][1] > match.distance:
                found[match.evidence_id] = (match.case_id, match.distance)
    return found


@transaction.atomic
def do_add_evidence(*, actor: User, case: Case, data: bytes, hashed: Hashed) -> EvidenceAdded:
    """Records an upload's hashes on the case; keeps the file (encrypted, with a copy without metadata)
    only if the victim consented to keeping evidence. Matches link the cases."""
    case = require_write(actor, case)
    existing = case.evidence.filter(sha256=hashed.sha256).first()
    if existing is not None:
        if case.consent_keep_evidence and not existing.kept:
            _keep_again(actor, case, existing, data, hashed)
            return EvidenceAdded(evidence=existing, created=False, kept_now=True)
        return EvidenceAdded(evidence=existing, created=False)
    now = timezone.now()
    kept = case.consent_keep_evidence
    evidence = Evidence.objects.create(
        case=case,
        centre_id=case.centre_id,
        kind=hashed.kind,
        media_type=hashed.media_type,
        size=hashed.size,
        sha256=hashed.sha256,
        quality=hashed.quality,
        kept=kept,
        created_by=actor,
        created_at=now,
    )
    rows = []
    for perceptual in hashed.hashes:
        chunks = dict(zip(CHUNK_FIELDS, [int(perceptual.pdq[4 * i : 4 * i + 4], 16) for i in range(16)], strict=True))
        rows.append(
            EvidenceHash(
                evidence=evidence,
                case_id=case.pk,
                centre_id=case.centre_id,
                second=perceptual.second,
                pdq=perceptual.pdq,
                quality=perceptual.quality,
                **chunks,
            )
        )
    EvidenceHash.objects.bulk_create(rows)
    if kept:
        _keep(case, evidence, data, hashed)
    matched = _matches(case, evidence, hashed)
    if case.consent_hash_matching:
        matchable = [h.pdq for h in hashed.hashes if h.matchable]
        if matchable and hash_bank.known_elsewhere(case.centre_id, matchable):
            evidence.known_elsewhere = True
            evidence.save(update_fields=["known_elsewhere"])
    EvidenceMatch.objects.bulk_create(
        [EvidenceMatch(evidence=evidence, matched_id=pk, distance=distance) for pk, (_c, distance) in matched.items()]
    )
    other_cases = sorted({case_id for case_id, _d in matched.values()})
    record_event(
        case,
        actor=actor,
        kind=EventKind.EVIDENCE_ADDED,
        old={},
        new={
            "evidence": evidence.pk,
            "kind": hashed.kind,
            "kept": kept,
            "matched_cases": len(other_cases),
            "known_elsewhere": evidence.known_elsewhere,
        },
    )
    # The other cases learn that something of theirs was seen again, not where: the event names no case.
    for other in Case.objects.filter(pk__in=other_cases).order_by("pk"):
        record_event(other, actor=None, kind=EventKind.EVIDENCE_MATCHED, old={}, new={"by_evidence": evidence.pk})
    Case.objects.filter(pk=case.pk).update(updated_at=now)
    return EvidenceAdded(evidence=evidence, created=True, matched=matched)


def _keep(case: Case, evidence: Evidence, data: bytes, hashed: Hashed) -> None:
    """Keeps the file as uploaded and a viewing copy without its metadata, sealed with the case's key."""
    if hashed.kind == EvidenceKind.IMAGE:
        viewing, viewing_type = viewing_copy(data, hashed.media_type), "image/jpeg"
    else:
        viewing, viewing_type = video_viewing_copy(data, hashed.media_type)
    keep_file(case=case, evidence=evidence, original=data, viewing=viewing, viewing_type=viewing_type)


def _keep_again(actor: User, case: Case, evidence: Evidence, data: bytes, hashed: Hashed) -> None:
    """The same bytes, uploaded again once the victim consents to keeping files: the evidence held only
    their hashes (uploaded without her consent, or her files were deleted when she withdrew it), and
    now keeps the file too. Its hashes and matches are those of the first upload."""
    _keep(case, evidence, data, hashed)
    evidence.kept = True
    evidence.save(update_fields=["kept"])
    record_event(
        case, actor=actor, kind=EventKind.EVIDENCE_FILE_KEPT, old={"kept": False}, new={"evidence": evidence.pk}
    )
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())


def linked_case_ids(case: Case) -> set[int]:
    """The cases whose evidence matched this case's, in either direction."""
    forward = EvidenceMatch.objects.filter(evidence__case=case).values_list("matched__case_id", flat=True)
    backward = EvidenceMatch.objects.filter(matched__case=case).values_list("evidence__case_id", flat=True)
    return (set(forward) | set(backward)) - {case.pk}


@transaction.atomic
def do_add_proposed_sightings(*, actor: User, case: Case, sighting_ids: list[int]) -> list[LineResult]:
    """Adds to this case the places of matching cases that the actor may read (proposed on the case page)."""
    if not sighting_ids:
        raise ActionError(_("Choose at least one place."), field="sightings")
    if len(sighting_ids) > MAX_PROPOSALS:
        raise ActionError(_("Choose at most %(max)d places at a time.") % {"max": MAX_PROPOSALS}, field="sightings")
    case = require_write(actor, case)
    readable = access.cases_visible_to(actor).filter(pk__in=linked_case_ids(case))
    sources = list(Sighting.objects.filter(pk__in=sighting_ids, case__in=readable).order_by("pk"))
    if len(sources) != len(set(sighting_ids)):
        # One id not among the proposals: the same answer whether it does not exist or is not readable.
        raise ActionError(_("Some of these places are not among the proposals."), field="sightings")
    results, created = add_lines(
        case, [s.url for s in sources], flags=SightingFlags(), created_by=actor, state=SightingState.ONLINE
    )
    if created:
        record_event(
            case, actor=actor, kind=EventKind.SIGHTINGS_ADDED, old={}, new={"count": len(created), "from": "evidence"}
        )
    return results
