"""Loads demo data for `make run`: a centre, one user per role, a few cases. Safe to run again."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Centre, Role, User
from cases.actions.cases import Consents, do_add_note, do_assign_case, do_open_case, do_transition_case
from cases.models import Case

DEMO_USERS = [
    ("counsellor@demo.caseflow", "김상담 (demo counsellor)", Role.COUNSELLOR),
    ("counsellor2@demo.caseflow", "이상담 (second demo counsellor)", Role.COUNSELLOR),
    ("supervisor@demo.caseflow", "박팀장 (demo supervisor)", Role.SUPERVISOR),
    ("admin@demo.caseflow", "최관리 (demo administrator)", Role.ADMIN),
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
            centre, _ = Centre.objects.get_or_create(name="Demo Support Centre / 데모 지원센터")
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
        first, _second, third = (do_open_case(actor=counsellor, **details) for details in DEMO_CASES)
        do_add_note(actor=counsellor, case=first, body="첫 상담: 유포 경로 확인, 삭제 요청 준비. (demo)")
        do_transition_case(actor=counsellor, case=first, status="in_progress", reason="상담 시작")
        # The third waits in the intake queue for someone to take it.
        do_assign_case(actor=supervisor, case=third, assignee=None)
