"""`make run` loads demo data: a centre, one user per role and a few cases, and again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import Role, User
from cases.models import Case

pytestmark = pytest.mark.django_db


def test_it_loads_demo_users_and_cases_once(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert sorted(User.objects.values_list("role", flat=True)) == sorted(
        [Role.ADMIN, Role.COUNSELLOR, Role.COUNSELLOR, Role.SUPERVISOR]
    )
    assert Case.objects.count() == 3
    assert Case.objects.filter(assigned_to__isnull=True).count() == 1
    assert User.objects.get(email="counsellor@demo.caseflow").check_password("caseflow-demo-2026")


def test_it_refuses_to_create_demo_accounts_outside_debug(settings) -> None:
    from django.core.management import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()
