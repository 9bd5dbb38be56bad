"""`make run` loads demo data: a centre, one user per role and a few cases, and again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role, User
from cases.models import Case, ClosureRequest, Sighting, TakedownRequest
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_it_loads_demo_users_and_cases_once(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert sorted(User.objects.values_list("role", flat=True)) == sorted(
        [Role.ADMIN, Role.COUNSELLOR, Role.COUNSELLOR, Role.COUNSELLOR, Role.SUPERVISOR]
    )
    # Every page has something to show: cases in every status, requests answered and overdue, a
    # closure request waiting, places a victim reported, a follow-up due, a failed delivery.
    assert set(Case.objects.values_list("status", flat=True)) == {"new", "in_progress", "monitoring", "closed"}
    assert Case.objects.filter(assigned_to__isnull=True).count() == 1
    assert TakedownRequest.objects.filter(status="removed").exists()
    assert TakedownRequest.objects.filter(status="sent", deadline_at__lt=timezone.now()).exists()
    assert ClosureRequest.objects.filter(decision="pending").exists()
    assert Sighting.objects.filter(state="reported").exists()
    assert Notification.objects.filter(state="failed").exists()
    assert not User.objects.filter(full_name__icontains="demo").exists()
    assert User.objects.get(email="counsellor@demo.caseflow").check_password("caseflow-demo-2026")


def test_it_refuses_to_create_demo_accounts_outside_debug(settings) -> None:
    from django.core.management import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()
