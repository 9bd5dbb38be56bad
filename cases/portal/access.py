"""The portal's one door: a victim reaches her own case and nothing else.

Staff get cases through cases/access.py; the portal never does. The only case a portal request can
touch is the one its session was opened for, and every child (notes, places) is read through it.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from cases.models import Case, Note, NoteVisibility, Sighting


def portal_case(request: HttpRequest) -> Case:
    """The signed-in victim's case (views are wrapped in portal_required)."""
    case: Case = request.portal_session.case  # type: ignore[attr-defined]
    return case


def shared_notes(case: Case) -> QuerySet[Note]:
    """The notes her counsellor chose to share with her, newest first; never an internal one."""
    return case.notes.filter(visibility=NoteVisibility.SHARED).order_by("-created_at", "-pk")


def places(case: Case) -> QuerySet[Sighting]:
    """Her case's places, with their platform's name (she sees the platform and a shortened address)."""
    return case.sightings.select_related("platform").order_by("pk")
