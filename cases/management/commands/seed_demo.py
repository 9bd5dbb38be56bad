"""Loads demo data for `make run`: a centre, one user per role, a few cases. Safe to run again."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Centre, Role, User
from cases.actions.cases import Consents, do_add_note, do_assign_case, do_open_case, do_transition_case
from cases.actions.closures import do_request_closure
from cases.actions.followups import do_set_followup
from cases.actions.portal import do_victim_report_places
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns, do_transition_takedown
from cases.models import Case, TakedownRequest
from notifications import outbox
from notifications.models import Channel, Notification, State

DEMO_USERS = [
    ("counsellor@demo.caseflow", "김서윤", Role.COUNSELLOR),
    ("counsellor2@demo.caseflow", "이도현", Role.COUNSELLOR),
    ("counsellor3@demo.caseflow", "Mina Cho", Role.COUNSELLOR),
    ("supervisor@demo.caseflow", "박지혜", Role.SUPERVISOR),
    ("admin@demo.caseflow", "최민준", Role.ADMIN),
]

# Invented people and events, for trying the product; nothing here is about a real person.
DEMO_CASES: list[dict[str, Any]] = [
    {
        "victim_name": "한지민 (예시)",
        "contact_phone": "010-0000-0001",
        "priority": "urgent",
        "is_minor": True,
        "harm_types": ["synthetic", "distribution"],
        "summary": "학교 단체방에서 합성 사진이 공유되고 있다는 신고. (demo)",
        "consents": Consents(contact=True),
    },
    {
        "victim_name": "Jordan Lee (demo)",
        "contact_email": "jordan.demo@example.org",
        "preferred_language": "en",
        "priority": "high",
        "harm_types": ["sextortion"],
        "summary": "Threatened with publication of intimate images unless paid. (demo)",
        "consents": Consents(contact=True, share_with_police=True),
    },
    {
        "victim_name": "오하늘 (예시)",
        "contact_phone": "010-0000-0003",
        "harm_types": ["filming", "distribution"],
        "summary": "불법 촬영물이 성인 사이트에 게시됨. (demo)",
    },
]


class Command(BaseCommand):
    help = "Create the demo centre, one user per role and a few cases (development only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            # The demo password is public: never create these accounts on a real deployment.
            raise CommandError("seed_demo runs only with DJANGO_DEBUG=1 (make run sets it).")
        password = os.environ.get("CASEFLOW_DEMO_PASSWORD", "caseflow-demo-2026")
        with transaction.atomic():
            centre, _ = Centre.objects.get_or_create(
                name="Demo Support Centre / 데모 지원센터",
                # Letters e-mailed under `make run` go to the console mail backend, not to a platform.
                defaults={
                    "letters_from": "letters@demo.caseflow",
                    "inbound_address": "replies@demo.caseflow",
                    "phone": "02-000-0000",
                },
            )
            for email, name, role in DEMO_USERS:
                if not User.objects.filter(email=email).exists():
                    User.objects.create_user(email, password, full_name=name, centre=centre, role=role)
            if not Case.objects.filter(centre=centre).exists():
                self._cases()
        self.stdout.write(f"Demo sign-ins (password: {password}):")
        for email, _name, role in DEMO_USERS:
            self.stdout.write(f"  {role:<11} {email}")

    def _cases(self) -> None:
        counsellor = User.objects.get(email="counsellor@demo.caseflow")
        supervisor = User.objects.get(email="supervisor@demo.caseflow")
        second_counsellor = User.objects.get(email="counsellor2@demo.caseflow")
        first, second, third = (do_open_case(actor=counsellor, **details) for details in DEMO_CASES)
        do_add_note(actor=counsellor, case=first, body="첫 상담: 유포 경로 확인, 삭제 요청 준비. (demo)")
        first = do_transition_case(actor=counsellor, case=first, status="in_progress", reason="상담 시작")
        # The third waits in the intake queue for someone to take it.
        do_assign_case(actor=supervisor, case=third, assignee=None)
        self._takedowns(counsellor, first)
        self._more(counsellor, second_counsellor, supervisor, second)

    def _takedowns(self, counsellor: User, case: Case) -> None:
        """Places, a request answered, one overdue, and a follow-up due today."""
        do_add_sightings(
            actor=counsellor,
            case=case,
            lines=["https://t.me/demo_room_1/12", "https://t.me/demo_room_1/13", "https://x.com/demo_user/status/7"],
        )
        drafts = do_draft_takedowns(actor=counsellor, case=case)
        for takedown in drafts:
            sent = do_transition_takedown(actor=counsellor, case=case, takedown=takedown, status="sent")
            if sent.platform.name.startswith("Telegram"):
                do_transition_takedown(actor=counsellor, case=case, takedown=sent, status="removed")
            else:
                # Demo data only: a request whose deadline passed yesterday, so that "overdue" shows.
                TakedownRequest.objects.filter(pk=sent.pk).update(deadline_at=timezone.now() - timedelta(hours=20))
        later_today = min(timezone.now() + timedelta(hours=2), timezone.now().replace(hour=23, minute=0))
        if later_today > timezone.now():
            do_set_followup(actor=counsellor, case=case, due_at=later_today, note="피해자에게 진행 상황 안내 전화")

    def _more(self, counsellor: User, colleague: User, supervisor: User, second: Case) -> None:
        """Cases in every status, a closure request waiting, places a victim reported, a failed delivery."""
        second = do_transition_case(actor=counsellor, case=second, status="in_progress")
        second = do_transition_case(actor=counsellor, case=second, status="monitoring")
        do_request_closure(actor=counsellor, case=second, reason="모든 게시물 삭제 확인, 2주간 재게시 없음")
        closed = do_open_case(actor=colleague, victim_name="정유나 (예시)", contact_phone="010-0000-0004")
        for status in ("in_progress", "monitoring"):
            closed = do_transition_case(actor=colleague, case=closed, status=status)
        do_transition_case(actor=supervisor, case=closed, status="closed", reason="지원 완료")
        reported = do_open_case(
            actor=colleague, victim_name="서지우 (예시)", contact_phone="010-0000-0005", consents=Consents(contact=True)
        )
        do_victim_report_places(case=reported, lines=["https://t.me/demo_room_2/1"])
        failed = outbox.enqueue(
            recipient=counsellor,
            channel=Channel.EMAIL,
            template_key="case.followup_due",
            params={"case_id": reported.pk},
            language="ko",
            due_at=timezone.now(),
            dedupe_key=f"demo:failed:{reported.pk}",
        )
        if failed is not None:
            # Demo data only: one message given up after its retries, for the failed-deliveries page.
            Notification.objects.filter(pk=failed.pk).update(state=State.FAILED, attempts=6)
