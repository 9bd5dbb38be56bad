"""The yardsticks: hand-written views that do what caseflow's endpoints and pages do, without the framework."""

from __future__ import annotations

import json
from typing import Any

from django.db import IntegrityError, connection, connections
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from bench.sealing import exact_indexes, name_gram_indexes, new_case_key, seal
from caseflow.net import client_ip
from cases.actions.cases import CASE_TRANSITIONS
from cases.crypto import Sealed, email_index, index_key_versions, load_case_keys, open_value, phone_index
from cases.models import Case, ContactChannel, Priority, Status, new_reference
from keystore import index_keys
from keystore.router import KEYSTORE

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


# The create yardstick: what POST /api/v1/cases/ inserts for the same body, by hand-written SQL in three
# round trips (four when a duplicate is found), against the API's dozen queries:
# 1. the case's id from its sequence, with the counsellor's name and role (the API reads them to
#    authenticate): the id is needed before the case is written, since the wrapped key is bound to it;
# 2. the wrapped data key into the key store, committed before the case (keystore/store.py says why),
#    one statement; a key left from a rolled-back case with this id is replaced, as store_case_key does;
# 3. one statement, atomic by itself: the case with its sealed values and keyed hashes, its CREATED
#    event and its name pieces (data-modifying WITH clauses), and the duplicate check: open cases of the
#    centre with the same e-mail or phone hash, each marked visible to the counsellor or not (the
#    statement's snapshot does not hold the new case, as the API's check excludes it by id);
# 4. only if the centre holds a match: the access-log row that says a duplicate check was read.
_NEW_CASE_ID = """
    SELECT nextval(pg_get_serial_sequence('cases_case', 'id')), u.full_name, u.role
      FROM accounts_user u WHERE u.id = %s AND u.centre_id = %s AND u.is_active
"""
_STORE_KEY = """
    INSERT INTO keystore_casekey (case_id, master_key_id, wrapped, created_at, wrapped_at)
    VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT (case_id) DO UPDATE
       SET master_key_id = EXCLUDED.master_key_id, wrapped = EXCLUDED.wrapped,
           created_at = EXCLUDED.created_at, wrapped_at = EXCLUDED.wrapped_at
"""
_CASE_COLUMNS = (
    "id, centre_id, reference, status, priority, is_minor, harm_types, summary, victim_name, contact_email,"
    " contact_phone, safe_contact_notes, preferred_language, name_index, email_index, phone_index,"
    " phone_last4_index, consent_contact, contact_channel, quiet_start, quiet_end, consent_share_with_police,"
    " consent_hash_matching, consent_keep_evidence, assigned_to_id, created_by_id, created_at, updated_at,"
    " closed_at, retention_until, version, has_own_key"
)
_OPEN_CASE = f"""
    WITH new_case AS (
        INSERT INTO cases_case ({_CASE_COLUMNS})
        VALUES (%(id)s, %(centre)s, %(reference)s, 'new', %(priority)s, %(is_minor)s, %(harm_types)s::jsonb,
                %(summary)s, %(victim_name)s, %(contact_email)s, %(contact_phone)s, %(safe_contact_notes)s,
                %(preferred_language)s, %(name_index)s, %(email_index)s, %(phone_index)s, %(phone_last4_index)s,
                %(consent_contact)s, %(contact_channel)s, %(quiet_start)s, %(quiet_end)s,
                %(consent_share_with_police)s, %(consent_hash_matching)s, %(consent_keep_evidence)s,
                %(user)s, %(user)s, %(now)s, %(now)s, NULL, NULL, 1, true)
        RETURNING id, centre_id
    ), created AS (
        INSERT INTO cases_caseevent (case_id, actor_kind, actor_id, kind, old, new, reason, created_at)
        SELECT id, 'user', %(user)s, 'created', '{{}}'::jsonb, %(event)s::jsonb, '', %(now)s FROM new_case
    ), pieces AS (
        INSERT INTO cases_namegram (case_id, centre_id, gram)
        SELECT new_case.id, new_case.centre_id, piece FROM new_case, unnest(%(grams)s::varchar[]) AS piece
    )
    SELECT d.id, d.reference, d.status,
           %(supervisor)s OR d.assigned_to_id = %(user)s
           OR (d.assigned_to_id IS NULL AND d.status IN ('new', 'in_progress', 'monitoring'))
      FROM cases_case d
     WHERE d.centre_id = %(centre)s AND d.status <> 'closed'
       AND (d.email_index = ANY(%(emails)s) OR d.phone_index = ANY(%(phones)s))
     ORDER BY d.created_at DESC
"""  # nosec B608 - the column list is a constant
_LOG_DUPLICATE_CHECK = """
    INSERT INTO cases_accesslog (case_id, case_reference, block_id, user_id, centre_id, action, ip_address,
                                 detail, created_at)
    VALUES (NULL, '', NULL, %s, %s, 'duplicate_check', %s, '{}'::jsonb, %s)
"""
_REFERENCE_CLASH_RETRIES = 5
_CONSENTS = ("contact", "share_with_police", "hash_matching", "keep_evidence")


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    return value.strip() if isinstance(value, str) else ""


@csrf_exempt
@require_POST
def bare_create(request: HttpRequest) -> JsonResponse:
    """No authentication: the counsellor and her centre come from `?user=&centre=`; the body is the API's.

    Checks no more than it needs to write the same rows: a body the API would refuse may be written
    here, and a minor's case (whose legal duty the API also records) is refused. The values are sealed
    with a new key of the case and its blind indexes computed as the API does, so the difference to
    the API is the framework's work, not the cryptography."""
    user_id, centre_id = _int_param(request, "user"), _int_param(request, "centre")
    if user_id is None or centre_id is None:
        return JsonResponse({"detail": "?user=<id>&centre=<id> are required"}, status=400)
    try:
        body = json.loads(request.body)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JsonResponse({"detail": "a JSON object is required"}, status=400)
    victim_name = _text(body, "victim_name")
    if not victim_name or body.get("is_minor") is True:
        return JsonResponse({"detail": "victim_name is required; minors are not measured here"}, status=400)
    email, phone = _text(body, "contact_email").lower(), _text(body, "contact_phone")
    values = {
        "summary": _text(body, "summary"),
        "victim_name": victim_name,
        "contact_email": email,
        "contact_phone": phone,
        "safe_contact_notes": _text(body, "safe_contact_notes"),
    }
    consents = {name: bool((body.get("consents") or {}).get(name, False)) for name in _CONSENTS}
    harm_types = sorted(set(body.get("harm_types") or []))
    priority = body.get("priority") or Priority.NORMAL
    now = timezone.now()

    with connection.cursor() as cursor:
        cursor.execute(_NEW_CASE_ID, [user_id, centre_id])
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"detail": "no such active user in that centre"}, status=400)
    case_id, full_name, role = row
    fernet, master_key_id, wrapped = new_case_key(case_id)
    with connections[KEYSTORE].cursor() as cursor:
        cursor.execute(_STORE_KEY, [case_id, master_key_id, wrapped, now, now])

    index_key = index_keys.newest()
    keys = index_key_versions()  # the duplicate check looks for the hashes of every index key still held
    name_hash, email_hash, phone_hash, last4_hash = exact_indexes(centre_id, victim_name, email, phone, index_key)
    params: dict[str, Any] = {
        **{name: seal(fernet, text) for name, text in values.items()},
        "id": case_id,
        "centre": centre_id,
        "user": user_id,
        "supervisor": role == Role.SUPERVISOR,
        "priority": priority,
        "is_minor": False,
        "harm_types": json.dumps(harm_types),
        "preferred_language": body.get("preferred_language") or "ko",
        "name_index": name_hash,
        "email_index": email_hash,
        "phone_index": phone_hash,
        "phone_last4_index": last4_hash,
        **{f"consent_{name}": value for name, value in consents.items()},
        "contact_channel": body.get("contact_channel") or ContactChannel.NONE,
        "quiet_start": body.get("quiet_start"),
        "quiet_end": body.get("quiet_end"),
        "now": now,
        "event": json.dumps({"status": "new", "priority": priority, "assigned_to": user_id, "is_minor": False}),
        "grams": name_gram_indexes(centre_id, victim_name, index_key),
        "emails": [e for key in keys if (e := email_index(centre_id, email, key=key))],
        "phones": [p for key in keys if (p := phone_index(centre_id, phone, key=key))],
    }
    with connection.cursor() as cursor:
        for _attempt in range(_REFERENCE_CLASH_RETRIES):
            params["reference"] = new_reference()
            try:
                cursor.execute(_OPEN_CASE, params)
            except IntegrityError:  # a reference already given out (astronomically rare): another one
                continue
            matches = cursor.fetchall()
            break
        else:
            return JsonResponse({"detail": "no free reference"}, status=500)
        if matches:
            cursor.execute(_LOG_DUPLICATE_CHECK, [user_id, centre_id, client_ip(request), now])
    visible = [{"id": m[0], "reference": Case.format_reference(m[1]), "status": m[2]} for m in matches if m[3]]
    person = {"id": user_id, "full_name": full_name}
    stamp = timezone.localtime(now).isoformat()
    return JsonResponse(
        {
            "id": case_id,
            "reference": Case.format_reference(params["reference"]),
            "status": Status.NEW,
            "priority": priority,
            "is_minor": False,
            "harm_types": harm_types,
            **values,
            "erased": False,
            "preferred_language": params["preferred_language"],
            "consents": consents,
            "contact_channel": params["contact_channel"],
            "quiet_start": params["quiet_start"],
            "quiet_end": params["quiet_end"],
            "assigned_to": person,
            "created_by": person,
            "created_at": stamp,
            "updated_at": stamp,
            "closed_at": None,
            "retention_until": None,
            "version": 1,
            "allowed_transitions": sorted(CASE_TRANSITIONS[Status.NEW]),
            "possible_duplicates": visible[:20],
            "possible_duplicates_hidden": sum(1 for m in matches if not m[3]),
        },
        status=201,
    )
