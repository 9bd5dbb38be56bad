"""The yardsticks: hand-written views that do what caseflow's endpoints and pages do, without the framework."""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from cases.crypto import Sealed, load_case_keys, open_value

# The same rows, in the same order, as GET /api/v1/cases/?status=in_progress&assigned_to=me for that
# counsellor: her centre, assigned to her, in progress, newest first, 25 a page. The total that the
# API's `count` gives is counted as the API counts it, by a query of its own on the same index
# (case_mine_status_idx, read alone): a window function over the rows (`count(*) OVER ()`) must read
# every matching row before the first 25 and made the yardstick 8x slower at 1,000,000 cases.
_MINE = "c.centre_id = %s AND c.assigned_to_id = %s AND c.status = 'in_progress'"
_FIRST_PAGE = f"""
    SELECT c.id, c.reference, c.status, c.priority, c.is_minor, c.victim_name, u.id, u.full_name,
           c.created_at, c.updated_at, c.version
      FROM cases_case c
      JOIN accounts_user u ON u.id = c.assigned_to_id
     WHERE {_MINE}
     ORDER BY c.created_at DESC, c.id DESC
     LIMIT 25
"""  # nosec B608 - a constant
_MINE_COUNT = f"SELECT count(*) FROM cases_case c WHERE {_MINE}"  # nosec B608 - a constant


def _int_param(request: HttpRequest, name: str) -> int | None:
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


@require_GET
def bare_list(request: HttpRequest) -> JsonResponse:
    """No authentication: the counsellor's id and her centre come from `?user=&centre=` (the API knows
    both from the signed-in user). Victim names ARE decrypted, as the API decrypts them, so the
    difference to the API is the framework's work, not the cryptography."""
    user_id, centre_id = _int_param(request, "user"), _int_param(request, "centre")
    if user_id is None or centre_id is None:
        return JsonResponse({"detail": "?user=<id>&centre=<id> are required"}, status=400)
    with connection.cursor() as cursor:
        cursor.execute(_MINE_COUNT, [centre_id, user_id])
        (total,) = cursor.fetchone()
        cursor.execute(_FIRST_PAGE, [centre_id, user_id])
        rows = cursor.fetchall()
    # As the page does: the rows' case keys from the key store in one query, then each name opened
    # with its case's key.
    load_case_keys(row[0] for row in rows)
    results = [
        {
            "id": row[0],
            "reference": f"{row[1][:4]}-{row[1][4:]}",
            "status": row[2],
            "priority": row[3],
            "is_minor": row[4],
            "victim_name": open_value(row[0], Sealed(row[5])),
            "assigned_to": {"id": row[6], "full_name": row[7]},
            "created_at": row[8].isoformat(),
            "updated_at": row[9].isoformat(),
            "version": row[10],
        }
        for row in rows
    ]
    return JsonResponse({"count": total, "next": None, "previous": None, "results": results})


# The portal's yardstick: what the victim's progress page shows, from hand-written queries, as JSON.
_PORTAL_COUNTS = """
    SELECT count(*) FILTER (WHERE s.state <> 'reported'),
           count(*) FILTER (WHERE s.state = 'removed'),
           count(*) FILTER (WHERE s.state = 'reported')
      FROM cases_sighting s WHERE s.case_id = %s
"""
_PORTAL_PLACES = """
    SELECT p.name, s.host, s.state FROM cases_sighting s JOIN cases_platform p ON p.id = s.platform_id
     WHERE s.case_id = %s ORDER BY s.id
"""
_PORTAL_NOTES = """
    SELECT n.body, n.created_at FROM cases_note n
     WHERE n.case_id = %s AND n.visibility = 'shared' ORDER BY n.created_at DESC, n.id DESC LIMIT 50
"""


@require_GET
def bare_portal(request: HttpRequest) -> JsonResponse:
    """No sign-in: the case comes from `?case=`. Shared notes ARE decrypted, as the portal decrypts them."""
    try:
        case_id = int(request.GET.get("case", ""))
    except ValueError:
        return JsonResponse({"detail": "?case=<id> is required"}, status=400)
    with connection.cursor() as cursor:
        cursor.execute(_PORTAL_COUNTS, [case_id])
        total, removed, reported = cursor.fetchone()
        cursor.execute(_PORTAL_PLACES, [case_id])
        places = [{"platform": row[0], "host": row[1], "state": row[2]} for row in cursor.fetchall()]
        cursor.execute(_PORTAL_NOTES, [case_id])
        load_case_keys([case_id])
        notes = [{"body": open_value(case_id, Sealed(row[0])), "at": row[1].isoformat()} for row in cursor.fetchall()]
    return JsonResponse({"total": total, "removed": removed, "reported": reported, "places": places, "notes": notes})


# The case list's yardstick: the page of /cases/ for a supervisor, the same rows in the same order from
# hand-written queries, victim names opened with their cases' keys, as JSON. The total is counted as the
# page counts it, by a query of its own on the same index: a window function over the rows would make
# the yardstick faster for a few matching rows and far slower for many (issue 17, an honest yardstick).
# Filters: status and one harm type; sorts: the list's priority and last-change orders.
_CASE_LIST_ORDER = {
    "-priority": "c.priority_rank DESC, c.created_at ASC, c.id ASC",
    "-updated": "c.updated_at DESC, c.id DESC",
}
_CASE_LIST = """
    SELECT c.id, c.reference, c.status, c.priority, c.is_minor, c.victim_name, u.id, u.full_name,
           c.created_at, c.updated_at, c.version
      FROM cases_case c
      LEFT JOIN accounts_user u ON u.id = c.assigned_to_id
     WHERE c.centre_id = %s AND c.status = %s AND c.harm_types @> %s::jsonb
     ORDER BY {order}
     LIMIT 25
"""
_CASE_COUNT = "SELECT count(*) FROM cases_case c WHERE c.centre_id = %s AND c.status = %s AND c.harm_types @> %s::jsonb"


@require_GET
def bare_case_list(request: HttpRequest) -> JsonResponse:
    """No authentication: `?centre=&status=&harm=&sort=`. Names ARE decrypted, as the page decrypts them."""
    order = _CASE_LIST_ORDER.get(request.GET.get("sort", ""))
    try:
        centre_id = int(request.GET.get("centre", ""))
    except ValueError:
        return JsonResponse({"detail": "?centre=<id> is required"}, status=400)
    if order is None:
        return JsonResponse({"detail": f"?sort= is one of {sorted(_CASE_LIST_ORDER)}"}, status=400)
    harm = json.dumps([request.GET.get("harm", "")])
    with connection.cursor() as cursor:
        # The ORDER BY comes from the fixed table above, never from the request.
        params: list[int | str] = [centre_id, request.GET.get("status", ""), harm]
        cursor.execute(_CASE_COUNT, params)
        (total,) = cursor.fetchone()
        cursor.execute(_CASE_LIST.format(order=order), params)  # nosec B608
        rows = cursor.fetchall()
    # As the page does: the rows' case keys from the key store in one query, then each name opened
    # with its case's key.
    load_case_keys(row[0] for row in rows)
    results = [
        {
            "id": row[0],
            "reference": f"{row[1][:4]}-{row[1][4:]}",
            "status": row[2],
            "priority": row[3],
            "is_minor": row[4],
            "victim_name": open_value(row[0], Sealed(row[5])),
            "assigned_to": {"id": row[6], "full_name": row[7]} if row[6] else None,
            "created_at": row[8].isoformat(),
            "updated_at": row[9].isoformat(),
            "version": row[10],
        }
        for row in rows
    ]
    return JsonResponse({"count": total, "results": results})
