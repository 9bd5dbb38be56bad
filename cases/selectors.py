"""Read-side queries over cases that are already limited by cases/access.py."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from cases.crypto import email_index, name_index, phone_index
from cases.models import Case, Status, normalise_reference

LIST_RELATED = ("assigned_to",)


def search_cases(visible: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Exact match on name, phone or e-mail through their keyed hashes, or on the reference."""
    text = text.strip()
    if not text:
        return visible.none()
    condition = Q(name_index=name_index(text))
    if "@" in text:
        condition |= Q(email_index=email_index(text))
    if any(ch.isdigit() for ch in text):
        condition |= Q(phone_index=phone_index(text))
    condition |= Q(reference=normalise_reference(text))
    return visible.filter(condition)


def possible_duplicates(
    *, centre_id: int, contact_email: str = "", contact_phone: str = "", exclude_pk: int | None = None
) -> QuerySet[Case]:
    """Open cases of the centre with the same phone or e-mail: likely the same person returning."""
    condition = Q()
    if email := email_index(contact_email):
        condition |= Q(email_index=email)
    if phone := phone_index(contact_phone):
        condition |= Q(phone_index=phone)
    if not condition:
        return Case.objects.none()
    cases = Case.objects.filter(condition, centre_id=centre_id).exclude(status=Status.CLOSED)
    if exclude_pk is not None:
        cases = cases.exclude(pk=exclude_pk)
    return cases.order_by("-created_at")


def duplicates_seen_by(
    user: User, *, contact_email: str, contact_phone: str, exclude_pk: int | None = None
) -> tuple[list[Case], int]:
    """Possible duplicates this user may open, and how many more exist that she may not see.

    The count lets a counsellor ask her supervisor without learning whose case it is.
    """
    from cases.access import cases_visible_to

    matches = possible_duplicates(
        centre_id=user.centre_id, contact_email=contact_email, contact_phone=contact_phone, exclude_pk=exclude_pk
    )
    seen = matches & cases_visible_to(user)
    visible = list(seen.only("id", "reference", "status")[:20])
    return visible, matches.count() - seen.count()


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
