"""Matching a new PDQ hash against the centre's hashes: multi-index hashing in the database.

A 256-bit hash is cut into 16 chunks of 16 bits, each an indexed column (cases/models/evidence.py).
Two hashes within Hamming distance 31 agree to within one bit on at least one chunk (if every chunk
differed by two bits or more, the distance would be at least 32), so the candidates are the rows whose
chunk i is the query's chunk i or one of its 16 one-bit neighbours, for some i: 16 index probes of 17
values, OR-ed. On PostgreSQL each candidate is then checked with `bit_count` of the XOR, in the same
query; on SQLite (the embedded `make run`) the few candidates are checked in Python. Nothing is held
in a worker's memory: every query reads the table as it is now. bench/evidence_match.py measures it
at 1,000,000 hashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.db.models.expressions import RawSQL

from cases.hashing import MATCH_DISTANCE, MIN_QUALITY, chunks_of, hamming
from cases.models import EvidenceHash


@dataclass(frozen=True)
class HashMatch:
    evidence_id: int
    case_id: int
    distance: int


def neighbours(chunk: int) -> list[int]:
    """The chunk and every value one bit away from it: 17 values."""
    return [chunk, *(chunk ^ (1 << bit) for bit in range(16))]


def candidates(pdq: str) -> Q:
    """Rows that may be within MATCH_DISTANCE of `pdq` (a superset: the distance is checked after)."""
    condition = Q()
    for index, chunk in enumerate(chunks_of(pdq)):
        condition |= Q(**{f"c{index}__in": neighbours(chunk)})
    return condition


def _distance_sql(model: type[Model]) -> str:
    # 'x' || hex read as a bit string: bit(256) XOR, then the number of ones (PostgreSQL 14+).
    table = connection.ops.quote_name(model._meta.db_table)
    return f"bit_count(('x' || {table}.\"pdq\")::bit(256) # ('x' || %s)::bit(256))"


def _within(rows: QuerySet[Any], pdq: str, max_distance: int) -> QuerySet[Any]:
    """The candidate rows of `rows` (PostgreSQL: already checked) for hashes near `pdq`."""
    rows = rows.filter(candidates(pdq), quality__gte=MIN_QUALITY)
    if connection.vendor != "postgresql":
        return rows
    distance = RawSQL(_distance_sql(rows.model), [pdq])  # noqa: S611  # nosec B611 - the hash is a parameter
    return rows.annotate(distance=distance).filter(distance__lte=max_distance)


def any_near(rows: QuerySet[Any], pdq: str, *, max_distance: int = MATCH_DISTANCE) -> bool:
    """Whether any row of `rows` (EvidenceHash or BankHash) holds a hash within `max_distance` of `pdq`."""
    found = _within(rows, pdq, max_distance)
    if connection.vendor == "postgresql":
        return found.exists()
    return any(hamming(pdq, other) <= max_distance for other in found.values_list("pdq", flat=True))


def near(rows: QuerySet[Any], pdq: str, *, max_distance: int = MATCH_DISTANCE) -> list[HashMatch]:
    """The hashes among `rows` within `max_distance` of `pdq`, nearest first; nothing below quality 50."""
    within = _within(rows, pdq, max_distance)
    if connection.vendor == "postgresql":
        found = within.order_by("distance", "evidence_id").values_list("evidence_id", "case_id", "distance")
        return [HashMatch(evidence_id=e, case_id=c, distance=d) for e, c, d in found]
    checked = [
        HashMatch(evidence_id=e, case_id=c, distance=hamming(pdq, other))
        for e, c, other in within.values_list("evidence_id", "case_id", "pdq")
    ]
    return sorted((m for m in checked if m.distance <= max_distance), key=lambda m: (m.distance, m.evidence_id))


def matches_in_centre(centre_id: int, pdq: str, *, exclude_case_id: int | None = None) -> list[HashMatch]:
    """The centre's evidence within PDQ distance 31 of `pdq`, one row per piece of evidence (its nearest hash)."""
    rows = EvidenceHash.objects.filter(centre_id=centre_id)
    if exclude_case_id is not None:
        rows = rows.exclude(case_id=exclude_case_id)
    best: dict[int, HashMatch] = {}
    for match in near(rows, pdq):
        best.setdefault(match.evidence_id, match)
    return list(best.values())
