"""Who is on call, the crisis numbers, and what an escalation sends: cases decides, notifications
delivers (STYLE.md, "Imports flow one way"), as in cases/reminders.py.

An escalation sends rounds: round 0 inside the transaction of the assessment that raised it, then one
round every ESCALATION_REPEAT_MINUTES (15) from beat's minute sweep, until a supervisor acknowledges.
Each round goes to whoever is on call *when it is sent* (a shift that ends hands the next round to
the next supervisor), to each: an inbox notice, an e-mail to the account's address, and an SMS to the
shift's phone when it has one. Staff have no quiet hours in caseflow and this message would ignore
them anyway: being on call is the rule. Keys:

- dedupe `escalation:<id>:r<round>:<user>:<channel>`: a round reaches each person once per channel,
  however often the sweep runs (two beats, a retried task);
- group `escalation:<id>`: acknowledging cancels every round not yet handed to a worker.

With nobody on the rota at that hour, every active supervisor of the centre is called: an empty rota
must never mean that nobody hears of a child at risk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.models import Language, Role, User
from cases.models import CrisisLine, Escalation, OnCallShift
from notifications import outbox
from notifications.models import Channel

ESCALATION_TEMPLATE = "case.risk_escalated"


def repeat_interval() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "ESCALATION_REPEAT_MINUTES", 15)))


def local_now(now: datetime | None = None) -> datetime:
    """The centre's wall clock (the rota's days and hours are local, settings.TIME_ZONE)."""
    return (now or timezone.now()).astimezone(ZoneInfo(settings.TIME_ZONE))


@dataclass(frozen=True)
class OnCall:
    """A supervisor to call, and the phone of her shift for the SMS ("" for none)."""

    user: User
    phone: str


def shifts_at(centre_id: int, now: datetime | None = None) -> list[OnCallShift]:
    """The shifts of a centre that cover this moment (one query)."""
    local = local_now(now)
    return list(
        OnCallShift.objects.filter(
            centre_id=centre_id,
            removed_at__isnull=True,
            weekday=local.weekday(),
            start_hour__lte=local.hour,
            end_hour__gt=local.hour,
            supervisor__is_active=True,
            supervisor__role=Role.SUPERVISOR,
            supervisor__centre_id=centre_id,
        )
        .select_related("supervisor")
        .order_by("start_hour", "pk")
    )


def on_call(centre_id: int, now: datetime | None = None) -> tuple[list[OnCall], bool]:
    """Who is called now, and whether that came from the rota (False: nobody on it, every supervisor)."""
    people: dict[int, OnCall] = {}
    for shift in shifts_at(centre_id, now):
        known = people.get(shift.supervisor_id)
        if known is None or (not known.phone and shift.phone):
            people[shift.supervisor_id] = OnCall(user=shift.supervisor, phone=shift.phone)
    if people:
        return list(people.values()), True
    supervisors = User.objects.filter(centre_id=centre_id, role=Role.SUPERVISOR, is_active=True).order_by("pk")
    return [OnCall(user=user, phone="") for user in supervisors], False


def send_round(escalation: Escalation, now: datetime) -> int:
    """Enqueues one round of an escalation to whoever is on call now; returns how many messages."""
    group = f"escalation:{escalation.pk}"
    params = {"case_id": escalation.case_id, "escalation_id": escalation.pk}
    key = f"{group}:r{escalation.rounds}"
    queued = 0
    people, _from_rota = on_call(escalation.centre_id, now)
    for person in people:
        user = person.user
        channels: list[tuple[str, dict[str, object]]] = [
            (Channel.INBOX, {"recipient": user}),
            (Channel.EMAIL, {"recipient": user}),
        ]
        if person.phone:
            channels.append((Channel.SMS, {"address": person.phone}))
        for channel, to in channels:
            created = outbox.enqueue(
                **to,  # type: ignore[arg-type]
                channel=channel,
                template_key=ESCALATION_TEMPLATE,
                params=params,
                language=user.preferred_language,
                due_at=now,
                dedupe_key=f"{key}:{user.pk}:{channel}",
                group_key=group,
            )
            queued += created is not None
    return queued


def stop_rounds(escalation: Escalation) -> int:
    """A supervisor acknowledged: no round that a worker has not taken yet goes out."""
    return outbox.cancel(f"escalation:{escalation.pk}")


# --- Crisis numbers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    number: str
    label: str


# South Korea's national lines, shown by a centre that has set none of its own.
DEFAULT_CRISIS_LINES: tuple[tuple[str, str, str], ...] = (
    ("109", "자살예방 상담전화", "Suicide prevention line"),
    ("112", "경찰 긴급신고", "Police emergency"),
)


def crisis_lines(centre_id: int, language: str) -> list[Line]:
    """The centre's crisis numbers labelled in `language` (the counsellor's), or the national ones."""
    rows = list(CrisisLine.shown(centre_id))
    english = language == Language.ENGLISH
    if rows:
        return [Line(row.number, row.label_en if english else row.label_ko) for row in rows]
    return [Line(number, en if english else ko) for number, ko, en in DEFAULT_CRISIS_LINES]


def open_escalations_filter() -> Q:
    return ~Q(state="resolved")
