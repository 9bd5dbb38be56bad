"""The access log's hash chain: what a sealed block's hash covers, and the check of a whole chain.

Each centre's log is a chain of blocks (cases/models/audit.py, AccessBlock), sealed every minute by
beat (cases/actions/access_log.py), so that a read never waits for the seal. A block's hash is SHA-256
over the centre, the block's number, the previous block's hash and the canonical content of each of
its rows in id order. A row's content is who read (user), what (action), which case by its reference,
from where and when; not the link to the case, which a purge sets to null: the chain stays whole when
a case is purged, and the reference still says which case was read.

What this proves and what it does not: anyone who edits, deletes or adds a row of a sealed block, or
deletes a block, breaks the chain from that block on, and `manage.py verify_access_log` names the
first broken block. Someone able to rewrite the database could also recompute every later hash; the
supervisors' monthly sign-off records the chain's head at that moment (AccessReview.chain_head), and
the verify command prints the heads, so a copy kept outside the database exposes such a rewrite.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cases.models import AccessBlock, AccessLog

GENESIS = "0" * 64
# The columns a row's hash covers, in this order.
HASHED = ("id", "centre_id", "user_id", "action", "case_reference", "ip_address", "created_at")
# Read with HASHED and hashed after it only when not empty (what a referral shared, and with whom), so
# that rows written before it existed hash as they always did.
DETAIL = "detail"


def canonical(row: Mapping[str, Any]) -> bytes:
    """One row as compact JSON of HASHED: the same bytes whatever the database or the time zone."""
    created: datetime = row["created_at"]
    values = [row[name] for name in HASHED[:-1]] + [created.astimezone(UTC).isoformat(timespec="microseconds")]
    if row.get(DETAIL):
        values.append(row[DETAIL])
    return json.dumps(values, separators=(",", ":"), ensure_ascii=True, sort_keys=True).encode()


def block_hash(*, centre_id: int, number: int, previous: str, rows: Iterable[Mapping[str, Any]]) -> tuple[str, int]:
    """The hash of a block with these rows (in id order), and how many rows it covers."""
    digest = hashlib.sha256(f"caseflow-access-log:{centre_id}:{number}:{previous}".encode())
    count = 0
    for row in rows:
        digest.update(b"\n")
        digest.update(canonical(row))
        count += 1
    return digest.hexdigest(), count


@dataclass(frozen=True)
class Broken:
    """The first block of a centre's chain that does not verify, and why."""

    centre_id: int
    number: int
    reason: str


@dataclass
class ChainCheck:
    """A centre's chain as verified: how many blocks, its head, and the first broken block if any."""

    centre_id: int
    blocks: int = 0
    head: str = GENESIS
    broken: Broken | None = None


def _rows_by_block(centre_id: int) -> Iterator[tuple[int, int, list[dict[str, Any]]]]:
    """The sealed rows of a centre, one block at a time: (block id, block number, rows in id order), from
    one streamed query for the whole chain."""
    rows = (
        AccessLog.objects.filter(centre_id=centre_id, block__isnull=False)
        .order_by("block__number", "block_id", "id")
        .values("block_id", "block__number", *HASHED, DETAIL)
        .iterator(chunk_size=5000)
    )
    current: tuple[int, int] | None = None
    batch: list[dict[str, Any]] = []
    for row in rows:
        key = (row["block_id"], row["block__number"])
        if key != current:
            if current is not None:
                yield current[0], current[1], batch
            current, batch = key, []
        batch.append(row)
    if current is not None:
        yield current[0], current[1], batch


def verify_centre(centre_id: int) -> ChainCheck:
    """Walks the centre's blocks in order: numbers without gaps, each linked to the one before, each
    hash recomputed from its rows. Stops at the first block that fails."""
    check = ChainCheck(centre_id=centre_id)
    groups = _rows_by_block(centre_id)
    pending = next(groups, None)
    for block in AccessBlock.objects.filter(centre_id=centre_id).order_by("number").iterator(chunk_size=2000):
        expected = check.blocks + 1
        if block.number != expected:
            check.broken = Broken(centre_id, expected, f"block {expected} is missing")
            return check
        if block.previous_hash != check.head:
            check.broken = Broken(centre_id, block.number, "it does not follow the block before it")
            return check
        # A group numbered before this block belongs to no block of this chain (a row moved to another
        # centre's block): skipped here, its own block misses it and fails.
        while pending is not None and pending[1] < block.number:
            pending = next(groups, None)
        own: list[dict[str, Any]] = []
        while pending is not None and pending[1] == block.number:
            if pending[0] == block.pk:
                own = pending[2]
            pending = next(groups, None)
        digest, count = block_hash(centre_id=centre_id, number=block.number, previous=check.head, rows=own)
        if count != block.row_count:
            check.broken = Broken(centre_id, block.number, f"it sealed {block.row_count} rows and has {count}")
            return check
        if digest != block.hash:
            check.broken = Broken(centre_id, block.number, "a row was changed")
            return check
        check.blocks, check.head = block.number, block.hash
    return check


def centres_with_blocks() -> list[int]:
    return list(AccessBlock.objects.order_by("centre_id").values_list("centre_id", flat=True).distinct())


def head(centre_id: int) -> AccessBlock | None:
    """The centre's last sealed block."""
    return AccessBlock.objects.filter(centre_id=centre_id).order_by("-number").first()
