"""The portal's one door: a victim reaches her own case and nothing else.

Staff get cases through cases/access.py; the portal never does. The only case a portal request can
touch is the one its session was opened for, and every child (notes, places) is read through it.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from cases.models import Case, Note, NoteVisibility, SightingState


def portal_case(request: HttpRequest) -> Case:
    """The signed-in victim's case (views are wrapped in portal_required)."""
    case: Case = request.portal_session.case  # type: ignore[attr-defined]
    return case


def shared_notes(case: Case) -> QuerySet[Note]:
    """The notes her counsellor chose to share with her, newest first; never an internal one."""
    return case.notes.filter(visibility=NoteVisibility.SHARED).order_by("-created_at", "-pk")


def places(case: Case) -> list[tuple[str, str, str]]:
    """Her case's places as she sees them: (platform's name, host, state label), never the full
    address (nor is it loaded, so nothing is decrypted that the page does not show)."""
    labels = dict(SightingState.choices)
    rows = case.sightings.order_by("pk").values_list("platform__name", "host", "state")
    return [(platform, host, str(labels.get(state, state))) for platform, host, state in rows]
