"""Read-side queries over cases that are already limited by cases/access.py."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.db import connections, router
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from caseflow.db import placeholders, where_of
from cases.access import cases_visible_to, takedowns_visible_to, visible_within_centre
from cases.canonical import domain_candidates
from cases.crypto import (
    email_index,
    gram_indexes,
    index_key_versions,
    name_index,
    normalise_name,
    phone_index,
    phone_last4_index,
)
from cases.models import (
    Case,
    ClosureDecision,
    ClosureRequest,
    HarmType,
    NameGram,
    Platform,
    PlatformDomain,
    Referral,
    SharedItem,
    Sighting,
    SightingState,
    Status,
    TakedownRequest,
    TakedownStatus,
    normalise_reference,
)
from notifications import outbox
from notifications.models import Notification
from notifications.models import State as NotificationState

LIST_RELATED = ("assigned_to",)


def search_cases(visible: QuerySet[Case], centre_id: int, text: str) -> QuerySet[Case]:
    """Name (whole, or a part of two syllables or three letters and more), phone (whole, or its last
    four digits), e-mail or reference, through keyed hashes: nothing is decrypted to search."""
    text = text.strip()
    if not text:
        return visible.none()
    # With each index key still held (one, or two while rebuild_search_index makes every hash again).
    keys = index_key_versions()
    condition = Q(name_index__in=[name_index(centre_id, text, key=key) for key in keys])
    if "@" in text:
        condition |= Q(email_index__in=[email_index(centre_id, text, key=key) for key in keys])
    if any(ch.isdigit() for ch in text):
        condition |= Q(phone_index__in=[phone_index(centre_id, text, key=key) for key in keys])
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) == 4 and len(text.replace("-", "").strip()) == 4:
            condition |= Q(phone_last4_index__in=[phone_last4_index(centre_id, text, key=key) for key in keys])
    condition |= Q(reference=normalise_reference(text))
    searchable = not any(ch.isdigit() or ch == "@" for ch in text) and len(normalise_name(text)) >= 2
    for key in keys if searchable else []:
        grams = gram_indexes(centre_id, text, key=key)
        if not grams:
            continue
        # Every piece of the query in the same case's name: a partial match, found in one index.
        holding_all = (
            NameGram.objects.filter(centre_id=centre_id, gram__in=grams)
            .values("case_id")
            .annotate(found=Count("gram"))
            .filter(found=len(grams))
            .values("case_id")
        )
        condition |= Q(pk__in=holding_all)
    return visible.filter(condition)


def _index_hashes(centre_id: int, contact_email: str, contact_phone: str) -> tuple[list[str], list[str]]:
    """The keyed hashes of an e-mail and a phone under every index key still held (a case keeps the hash
    of the key it was written with until the rotation rewrites it)."""
    keys = index_key_versions()
    emails = [e for key in keys if (e := email_index(centre_id, contact_email, key=key))]
    phones = [p for key in keys if (p := phone_index(centre_id, contact_phone, key=key))]
    return emails, phones


def possible_duplicates(
    *, centre_id: int, contact_email: str = "", contact_phone: str = "", exclude_pk: int | None = None
) -> QuerySet[Case]:
    """Open cases of the centre with the same phone or e-mail: likely the same person returning."""
    emails, phones = _index_hashes(centre_id, contact_email, contact_phone)
    condition = Q()
    if emails:
        condition |= Q(email_index__in=emails)
    if phones:
        condition |= Q(phone_index__in=phones)
    if not condition:
        return Case.objects.none()
    cases = Case.objects.filter(condition, centre_id=centre_id).exclude(status=Status.CLOSED)
    if exclude_pk is not None:
        cases = cases.exclude(pk=exclude_pk)
    return cases.order_by("-created_at")


DUPLICATES_SHOWN = 20


def duplicates_seen_by(
    user: User, *, contact_email: str, contact_phone: str, exclude_pk: int | None = None
) -> tuple[list[Case], int]:
    """The possible duplicates (possible_duplicates) this user may open, and how many more exist that she
    may not see. The count lets a counsellor ask her supervisor without learning whose case it is.

    One hand-written query: the matches she may see first, each row carrying how many she may not.
    Whether she may see a case is the rule of cases/access.py, compiled by the ORM (where_of); the ORM
    took 2.7 ms to build the whole query with its window, a third of a case creation's lead over its
    bare view, against 0.3 ms for the statement (bench.run, in process).
    """
    emails, phones = _index_hashes(user.centre_id, contact_email, contact_phone)
    if not emails and not phones:
        return [], 0
    using = router.db_for_read(Case)
    db = connections[using]
    quote = db.ops.quote_name
    rule, rule_params = where_of(Case.objects.filter(visible_within_centre(user)))
    seen = "FALSE" if rule is None else f"COALESCE(({rule}), FALSE)" if rule else "TRUE"
    table = quote(Case._meta.db_table)

    def column(name: str) -> str:
        field: Any = Case._meta.get_field(name)
        return f"{table}.{quote(str(field.column))}"

    hashes = [(column("email_index"), emails), (column("phone_index"), phones)]
    matches = " OR ".join(f"{name} IN ({placeholders(values)})" for name, values in hashes if values)
    others = f" AND {column('id')} <> %s" if exclude_pk is not None else ""
    # Column names come from _meta and are quoted; the rule is the ORM's SQL; every value is a parameter.
    sql = (
        f"SELECT {column('id')}, {column('reference')}, {column('status')}, {seen} AS seen,"  # noqa: S608
        f" SUM(CASE WHEN {seen} THEN 0 ELSE 1 END) OVER () AS hidden"
        f" FROM {table} WHERE {column('centre_id')} = %s AND {column('status')} <> %s AND ({matches}){others}"
        f" ORDER BY seen DESC, {column('created_at')} DESC LIMIT {DUPLICATES_SHOWN}"
    )
    params = [
        *rule_params,
        *rule_params,
        user.centre_id,
        Status.CLOSED,
        *(value for _name, values in hashes for value in values),
        *([exclude_pk] if exclude_pk is not None else []),
    ]
    with db.cursor() as cursor:
        cursor.execute(sql, params)  # nosec B608
        rows = cursor.fetchall()
    visible = [Case.from_db(using, ["id", "reference", "status"], row[:3]) for row in rows if row[3]]
    return visible, int(rows[0][4]) if rows else 0


def my_open_cases(visible: QuerySet[Case], user: User) -> QuerySet[Case]:
    return (
        visible.filter(assigned_to_id=user.pk)
        .exclude(status=Status.CLOSED)
        .select_related(*LIST_RELATED)
        .order_by("-priority_rank", "-created_at")
    )


def intake_queue(visible: QuerySet[Case]) -> QuerySet[Case]:
    return (
        visible.filter(assigned_to__isnull=True).exclude(status=Status.CLOSED).order_by("-priority_rank", "created_at")
    )


def needs_attention(visible: QuerySet[Case], user: User) -> QuerySet[Case]:
    """My open cases that are urgent, involve a minor, or are still `new` after a day."""
    day_ago = timezone.now() - timedelta(days=1)
    return (
        visible.filter(assigned_to_id=user.pk)
        .exclude(status=Status.CLOSED)
        .filter(
            Q(priority_rank__gte=3) | Q(is_minor=True, status=Status.NEW) | Q(status=Status.NEW, created_at__lt=day_ago)
        )
        .select_related(*LIST_RELATED)
        .order_by("-priority_rank", "created_at")
    )


def platforms_for_hosts(hosts: set[str]) -> dict[str, Platform]:
    """The platform of each host by the longest matching domain suffix, else the fallback
    ("unknown site"); one query for the domains, one for the fallback if needed."""
    candidates = {host: domain_candidates(host) for host in hosts}
    wanted = {domain for domains in candidates.values() for domain in domains}
    known = {d.domain: d.platform for d in PlatformDomain.objects.filter(domain__in=wanted).select_related("platform")}
    result: dict[str, Platform] = {}
    fallback: Platform | None = None
    for host, domains in candidates.items():
        match = next((known[d] for d in domains if d in known), None)  # candidates run longest first
        if match is None:
            fallback = fallback or _fallback_platform()
            match = fallback
        result[host] = match
    return result


def _fallback_platform() -> Platform:
    """The "unknown site" entry; recreated if it was removed, so that no pasted address is lost."""
    platform = Platform.objects.filter(is_fallback=True).first()
    if platform is None:
        platform, _created = Platform.objects.get_or_create(
            name="Unknown site / 기타 사이트", defaults={"channel": "email", "request_language": "en"}
        )
        if not platform.is_fallback:
            Platform.objects.filter(pk=platform.pk).update(is_fallback=True)
            platform.is_fallback = True
    return platform


def same_content_elsewhere(user: User, case: Case, sightings: list[Sighting]) -> dict[int, list[dict[str, object]]]:
    """For each sighting, the other open cases of the centre with the same address.

    Cases the viewer may open are named (id and reference); the others are only counted, so that a
    counsellor learns to ask her supervisor without learning anything about a colleague's case.
    """
    by_hash: dict[str, list[int]] = {}
    for sighting in sightings:
        by_hash.setdefault(sighting.url_hash, []).append(sighting.pk)
    if not by_hash:
        return {}
    others = list(
        Sighting.objects.filter(url_hash__in=list(by_hash), case__centre_id=case.centre_id)
        .exclude(case_id=case.pk)
        .exclude(case__status=Status.CLOSED)
        .values_list("url_hash", "case_id", "case__reference")
    )
    visible = set(cases_visible_to(user).filter(pk__in={c for _h, c, _r in others}).values_list("pk", flat=True))
    result: dict[int, list[dict[str, object]]] = {}
    for url_hash, case_id, reference in others:
        entry: dict[str, object] = (
            {"case": case_id, "reference": f"{reference[:4]}-{reference[4:]}"} if case_id in visible else {"hidden": 1}
        )
        for sighting_id in by_hash[url_hash]:
            result.setdefault(sighting_id, []).append(entry)
    return result


def failed_deliveries(supervisor: User, limit: int = 100) -> list[Notification]:
    """Messages given up after their last attempt that concern the supervisor's centre: to its staff,
    or to the victims of its cases (group `victim:case:<id>`). Failed rows are few; the scan is bounded."""
    victim_keys = list(
        Notification.objects.filter(state=NotificationState.FAILED, group_key__startswith="victim:case:")
        .order_by("-due_at")
        .values_list("group_key", flat=True)[:1000]
    )
    case_ids = {int(key.rsplit(":", 1)[1]) for key in victim_keys if key.rsplit(":", 1)[1].isdigit()}
    ours = Case.objects.filter(centre_id=supervisor.centre_id, pk__in=case_ids).values_list("pk", flat=True)
    staff = User.objects.filter(centre_id=supervisor.centre_id)
    rows = outbox.failed(recipients=staff, group_keys=[f"victim:case:{pk}" for pk in ours])
    return list(rows.select_related("recipient")[:limit])


def centre_attention(visible: QuerySet[Case]) -> QuerySet[Case]:
    """For a supervisor: the centre's open cases that are urgent, or a minor's, and not yet in progress,
    and new reports still untouched after a day."""
    day_ago = timezone.now() - timedelta(days=1)
    return (
        visible.filter(
            Q(status=Status.NEW, priority_rank__gte=3)
            | Q(status=Status.NEW, is_minor=True)
            | Q(status=Status.NEW, created_at__lt=day_ago)
        )
        .select_related(*LIST_RELATED)
        .order_by("-priority_rank", "created_at")
    )


def overdue_takedowns(user: User) -> QuerySet[TakedownRequest]:
    """Requests past the platform's deadline without an answer, oldest deadline first (no letter loaded)."""
    return (
        takedowns_visible_to(user)
        .filter(status__in=[TakedownStatus.SENT, TakedownStatus.ACKNOWLEDGED], deadline_at__lt=timezone.now())
        .select_related("platform", "case")
        .only("id", "deadline_at", "status", "platform__name", "case__id", "case__reference")
        .order_by("deadline_at", "pk")
    )


def waiting_closures(visible: QuerySet[Case]) -> QuerySet[ClosureRequest]:
    """Closure requests waiting for a supervisor's decision, oldest first."""
    return (
        ClosureRequest.objects.filter(decision=ClosureDecision.PENDING, case__in=visible)
        .select_related("case", "requested_by")
        .only("id", "created_at", "requested_by_kind", "requested_by__full_name", "case__id", "case__reference")
        .order_by("created_at")
    )


def places_to_review(visible: QuerySet[Case]) -> list[tuple[int, str, int]]:
    """Cases with places that victims reported through the portal and nobody has reviewed yet:
    (case id, display reference, how many), most first."""
    rows = (
        Sighting.objects.filter(state=SightingState.REPORTED, case__in=visible)
        .values("case_id", "case__reference")
        .annotate(count=Count("pk"))
        .order_by("-count", "case_id")[:25]
    )
    return [(r["case_id"], f"{r['case__reference'][:4]}-{r['case__reference'][4:]}", r["count"]) for r in rows]


def workload(centre_id: int) -> list[tuple[str, int, int]]:
    """Each active counsellor and supervisor of the centre with her open cases and how many are urgent."""
    staff = (
        User.objects.filter(centre_id=centre_id, is_active=True, role__in=[Role.COUNSELLOR, Role.SUPERVISOR])
        .annotate(
            open_cases=Count("assigned_cases", filter=~Q(assigned_cases__status=Status.CLOSED)),
            urgent=Count(
                "assigned_cases",
                filter=~Q(assigned_cases__status=Status.CLOSED) & Q(assigned_cases__priority_rank__gte=3),
            ),
        )
        .order_by("open_cases", "full_name")
    )
    return [(user.full_name, user.open_cases, user.urgent) for user in staff]


def referral_sheet(referral: Referral) -> list[dict[str, Any]]:
    """What the referral passes on, item by item as ticked, with the values as they are now (as they were
    at escalation for a takedown's letter and history): the counsellor hands exactly this over."""
    case = referral.case
    dossier: dict[str, Any] = json.loads(referral.attachment) if referral.attachment else {}
    rows: list[dict[str, Any]] = []
    for item in referral.shared_items:
        if item not in SharedItem.values:
            continue
        label = SharedItem(item).label
        value: Any
        if item == SharedItem.IS_MINOR:
            value = _("yes") if case.is_minor else _("no")
        elif item == SharedItem.HARM_TYPES:
            value = ", ".join(str(HarmType(h).label) for h in case.harm_types if h in HarmType.values) or "—"
        elif item == SharedItem.PLACES:
            value = [s.url for s in case.sightings.only("id", "url").order_by("pk")]
        elif item == SharedItem.TAKEDOWN_LETTER:
            value = f"{dossier.get('subject', '')}\n\n{dossier.get('letter', '')}".strip()
        elif item == SharedItem.TAKEDOWN_HISTORY:
            value = [
                f"{entry.get('at', '')[:16].replace('T', ' ')} {entry.get('from') or ''} → {entry.get('to') or ''}"
                for entry in dossier.get("history", [])
            ]
        else:
            value = getattr(case, item) or "—"
        rows.append({"item": item, "label": label, "value": value, "is_list": isinstance(value, list)})
    return rows
