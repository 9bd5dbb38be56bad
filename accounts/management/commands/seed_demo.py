"""Loads demo data for `make run`: a centre and one user per role. Safe to run again."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Centre, Role, User

DEMO_USERS = [
    ("counsellor@demo.caseflow", "김상담 (demo counsellor)", Role.COUNSELLOR),
    ("counsellor2@demo.caseflow", "이상담 (second demo counsellor)", Role.COUNSELLOR),
    ("supervisor@demo.caseflow", "박팀장 (demo supervisor)", Role.SUPERVISOR),
    ("admin@demo.caseflow", "최관리 (demo administrator)", Role.ADMIN),
]


class Command(BaseCommand):
    help = "Create the demo centre and one user per role (development only)."

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("CASEFLOW_DEMO_PASSWORD", "caseflow-demo-2026")
        with transaction.atomic():
            centre, _ = Centre.objects.get_or_create(name="Demo Support Centre / 데모 지원센터")
            for email, name, role in DEMO_USERS:
                if not User.objects.filter(email=email).exists():
                    User.objects.create_user(email, password, full_name=name, centre=centre, role=role)
        self.stdout.write(f"Demo sign-ins (password: {password}):")
        for email, _name, role in DEMO_USERS:
            self.stdout.write(f"  {role:<11} {email}")
