"""Sightings: pasted addresses become places, and a place's flags and state change.

A removed place found online again reappears and gets a new draft request, so this module uses
cases/actions/takedowns.py; takedowns never uses this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from caseflow.korean import with_particles
from cases.actions.common import record_event, require_write
from cases.actions.errors import ActionError, TransitionError, stale
from cases.actions.takedowns import draft_for
from cases.canonical import RejectedURL, canonicalise, host_of
from cases.crypto import url_index
from cases.models import Case, ContentKind, EventKind, FoundBy, PlatformKind, Sighting, SightingState
from cases.selectors import platforms_for_hosts

MAX_BULK_LINES = 1000


@dataclass(frozen=True, kw_only=True)
class LineResult:
    """What became of one pasted line: created, a duplicate (of which sighting), or rejected (why)."""

    line: int
    status: str  # "created" | "duplicate" | "rejected"
    url: str = ""
    sighting: Sighting | None = None
    duplicate_of: int | None = None
    error: str = ""
    code: str = ""


@dataclass(frozen=True, kw_only=True)
class SightingFlags:
    found_by: str = FoundBy.COUNSELLOR
    # Empty: guessed from each place's platform (a Telegram room is a channel, not an image).
    content_kind: str = ""
    is_synthetic: bool = False
    exposes_personal_info: bool = False


# What a place on each kind of platform usually is, when the counsellor did not say.
GUESSED_CONTENT: dict[str, str] = {
    PlatformKind.MESSAGING: ContentKind.ROOM,
    PlatformKind.SOCIAL: ContentKind.TEXT,
    PlatformKind.FORUM: ContentKind.TEXT,
    PlatformKind.ADULT: ContentKind.VIDEO,
    PlatformKind.HOSTING: ContentKind.IMAGE,
    PlatformKind.SEARCH: ContentKind.OTHER,
}


def guess_content_kind(platform_kind: str) -> str:
    """The content a place most likely is, from its platform's kind; editable afterwards."""
    return GUESSED_CONTENT.get(platform_kind, ContentKind.IMAGE)


@transaction.atomic
def do_add_sightings(
    *, actor: User, case: Case, lines: list[str], flags: SightingFlags = SightingFlags()
) -> list[LineResult]:
    """Adds the addresses of pasted lines: each is created, reported as a duplicate, or rejected with
    its line number and why. One bad line does not stop the rest; blank lines are skipped."""
    case = require_write(actor, case)
    results, created = add_lines(case, lines, flags=flags, created_by=actor, state=SightingState.ONLINE)
    if created:
        record_event(case, actor=actor, kind=EventKind.SIGHTINGS_ADDED, old={}, new={"count": len(created)})
    return results


def add_lines(
    case: Case, lines: list[str], *, flags: SightingFlags, created_by: User | None, state: str
) -> tuple[list[LineResult], list[Sighting]]:
    """The shared work of a paste, by staff or by the victim: canonicalise each line, answer it, and
    create the new places in `state` (the case row is locked by the caller)."""
    if len(lines) > MAX_BULK_LINES:
        raise ActionError(
            _("Paste at most %(max)d lines at a time (you pasted %(count)d).")
            % {"max": MAX_BULK_LINES, "count": len(lines)},
            field="lines",
        )
    results: list[LineResult] = []
    pending: dict[str, tuple[int, str, str]] = {}  # url_hash -> (line, canonical url, host)
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            url = canonicalise(raw)
        except RejectedURL as rejected:
            results.append(LineResult(line=number, status="rejected", error=str(rejected.message), code=rejected.code))
            continue
        digest = url_index(case.centre_id, url)
        if digest in pending:
            results.append(LineResult(line=number, status="duplicate", url=url, duplicate_of=None, code="same_paste"))
            continue
        pending[digest] = (number, url, host_of(url))
    existing = dict(case.sightings.filter(url_hash__in=list(pending)).values_list("url_hash", "pk"))
    platforms = platforms_for_hosts({host for _n, _u, host in pending.values()})
    now = timezone.now()
    new_rows: list[Sighting] = []
    for digest, (number, url, host) in pending.items():
        if digest in existing:
            results.append(LineResult(line=number, status="duplicate", url=url, duplicate_of=existing[digest]))
            continue
        new_rows.append(
            Sighting(
                case=case,
                centre_id=case.centre_id,
                url=url,
                url_hash=digest,
                host=host,
                platform=platforms[host],
                found_by=flags.found_by,
                content_kind=flags.content_kind or guess_content_kind(platforms[host].kind),
                is_synthetic=flags.is_synthetic,
                exposes_personal_info=flags.exposes_personal_info,
                state=state,
                created_by=created_by,
                created_at=now,
                last_checked_at=now,
            )
        )
    created = Sighting.objects.bulk_create(new_rows)
    line_of = {digest: number for digest, (number, _u, _h) in pending.items()}
    for sighting in created:
        results.append(
            LineResult(line=line_of[sighting.url_hash], status="created", url=sighting.url, sighting=sighting)
        )
    if created:
        Case.objects.filter(pk=case.pk).update(updated_at=now)
    return sorted(results, key=lambda result: result.line), created


@transaction.atomic
def do_update_sighting(
    *, actor: User, case: Case, sighting: Sighting, changes: dict[str, Any], version: int
) -> Sighting:
    """Changes a sighting's flags, or its state: online again after removal means it reappeared,
    and a new draft request is opened for it."""
    allowed = {"found_by", "content_kind", "is_synthetic", "exposes_personal_info", "state"}
    unknown = set(changes) - allowed
    if unknown:
        raise ActionError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    case = require_write(actor, case)
    sighting = Sighting.objects.select_for_update().get(pk=sighting.pk, case=case)
    if sighting.version != version:
        raise stale(sighting.version, version)
    old = {name: getattr(sighting, name) for name in changes}
    now = timezone.now()
    state = changes.pop("state", None)
    for name, value in changes.items():
        setattr(sighting, name, value)
    reappeared = False
    if state is not None and state != sighting.state:
        if state == SightingState.REAPPEARED or (
            state == SightingState.ONLINE and sighting.state == SightingState.REMOVED
        ):
            if sighting.state != SightingState.REMOVED:
                raise TransitionError(
                    _("Only a removed place can reappear (it is “%(current)s”).") % {"current": sighting.state},
                    field="state",
                )
            sighting.state, reappeared = SightingState.REAPPEARED, True
        elif state == SightingState.ONLINE and sighting.state == SightingState.REPORTED:
            # The counsellor checked a place the victim reported: from now on it is worked like any other.
            sighting.state = SightingState.ONLINE
        elif state == SightingState.REMOVED:
            sighting.state, sighting.removed_at = SightingState.REMOVED, now
        else:
            raise TransitionError(
                with_particles(
                    _("A place cannot move from “%(current)s” to “%(requested)s”.")
                    % {"current": sighting.state, "requested": state}
                ),
                field="state",
            )
    sighting.last_checked_at = now
    sighting.version += 1
    sighting.save()
    new = {name: getattr(sighting, name) for name in old}
    record_event(case, actor=actor, kind=EventKind.SIGHTING_CHANGED, old={"sighting": sighting.pk, **old}, new=new)
    if reappeared:
        draft_for(actor=actor, case=case, sightings=[sighting])
    return sighting
