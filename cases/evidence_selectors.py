"""Read side of evidence: a case's uploads with their hashes, the cases they link to as far as the
reader may see them (the others counted, never named, like the duplicate warning), and the places of
those readable cases proposed for this one. A fixed number of queries, whatever the counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from accounts.models import User
from cases.access import cases_visible_to
from cases.models import Case, Evidence, EvidenceHash, EvidenceMatch, Sighting
from cases.models.evidence import MIN_MATCH_QUALITY

MAX_PROPOSALS = 200


@dataclass(frozen=True)
class LinkedCase:
    case_id: int
    reference: str
    distance: int


@dataclass
class EvidenceRow:
    evidence: Evidence
    linked: list[LinkedCase] = field(default_factory=list)
    hidden_cases: set[int] = field(default_factory=set)

    @property
    def hidden(self) -> int:
        """Matching cases the reader may not open: counted, so she can ask her supervisor."""
        return len(self.hidden_cases)

    @property
    def matchable(self) -> bool:
        return self.evidence.quality >= MIN_MATCH_QUALITY


@dataclass
class CaseEvidence:
    rows: list[EvidenceRow]
    proposals: list[Sighting]
    # Hashes good enough to match, and how many of them are in the national bank.
    matchable_hashes: int = 0
    shared_hashes: int = 0


def case_evidence(user: User, case: Case) -> CaseEvidence:
    """The case's evidence, newest first, with its links and the proposed places."""
    evidence = list(case.evidence.prefetch_related("hashes").order_by("-created_at", "-pk"))
    by_id = {e.pk: EvidenceRow(evidence=e) for e in evidence}
    links = EvidenceMatch.objects.filter(Q(evidence__case=case) | Q(matched__case=case)).values_list(
        "evidence_id", "evidence__case_id", "matched_id", "matched__case_id", "distance"
    )
    # (this case's evidence, the other case, distance), whichever side was uploaded first.
    pairs: list[tuple[int, int, int]] = []
    for evidence_id, evidence_case, matched_id, matched_case, distance in links:
        if evidence_case == case.pk and matched_case != case.pk:
            pairs.append((evidence_id, matched_case, distance))
        elif matched_case == case.pk and evidence_case != case.pk:
            pairs.append((matched_id, evidence_case, distance))
    other_ids = {other for _e, other, _d in pairs}
    readable = dict(cases_visible_to(user).filter(pk__in=other_ids).values_list("pk", "reference"))
    for evidence_id, other, distance in sorted(pairs, key=lambda p: (p[2], p[1])):
        row = by_id.get(evidence_id)
        if row is None:
            continue
        if other in readable:
            if all(link.case_id != other for link in row.linked):
                reference = readable[other]
                row.linked.append(
                    LinkedCase(case_id=other, reference=f"{reference[:4]}-{reference[4:]}", distance=distance)
                )
        else:
            row.hidden_cases.add(other)
    proposals: list[Sighting] = []
    if readable:
        have = case.sightings.values("url_hash")
        seen: set[str] = set()
        for sighting in (
            Sighting.objects.filter(case_id__in=list(readable))
            .exclude(url_hash__in=have)
            .select_related("platform")
            .order_by("case_id", "pk")[:MAX_PROPOSALS]
        ):
            if sighting.url_hash not in seen:
                seen.add(sighting.url_hash)
                proposals.append(sighting)
    counts = EvidenceHash.objects.filter(case=case, quality__gte=MIN_MATCH_QUALITY).aggregate(
        matchable=Count("pk"), shared=Count("bank_entry")
    )
    return CaseEvidence(
        rows=list(by_id.values()),
        proposals=proposals,
        matchable_hashes=counts["matchable"],
        shared_hashes=counts["shared"],
    )
