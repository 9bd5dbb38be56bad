"""The access log's seal and review: beat seals each centre's new rows into a block every minute; a
supervisor signs off a month of her centre's log as reviewed (PIPA's monthly review)."""

from __future__ import annotations

import logging
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from cases import chain
from cases.actions.errors import ActionError, NotAllowedError
from cases.models import AccessBlock, AccessLog, AccessReview

logger = logging.getLogger(__name__)

# Rows per block: a minute of a busy centre fits in one; a backlog (beat down for a day) takes several.
BLOCK_ROWS = 5000


def seal_centre(centre_id: int) -> AccessBlock | None:
    """Seals the centre's oldest unsealed rows into its next block; None if there were none, or if
    another sealer took the same block number first (the unique number refuses the second)."""
    try:
        with transaction.atomic():
            last = chain.head(centre_id)
            number, previous = (last.number + 1, last.hash) if last is not None else (1, chain.GENESIS)
            rows = list(
                AccessLog.objects.filter(centre_id=centre_id, block__isnull=True)
                .order_by("id")
                .values(*chain.HASHED, chain.DETAIL)[:BLOCK_ROWS]
            )
            if not rows:
                return None
            digest, count = chain.block_hash(centre_id=centre_id, number=number, previous=previous, rows=rows)
            block = AccessBlock.objects.create(
                centre_id=centre_id,
                number=number,
                previous_hash=previous,
                hash=digest,
                row_count=count,
                first_at=min(row["created_at"] for row in rows),
                last_at=max(row["created_at"] for row in rows),
            )
            ids = [row["id"] for row in rows]
            if AccessLog.objects.filter(pk__in=ids, block__isnull=True).update(block=block) != count:
                raise IntegrityError("another sealer took some of these rows")
            return block
    except IntegrityError:
        logger.info("access log: another sealer was first", extra={"centre_id": centre_id})
        return None


def seal_access_log() -> int:
    """Seals every centre's new rows (beat, every minute); returns how many blocks were sealed."""
    sealed = 0
    centres = AccessLog.objects.filter(block__isnull=True).values_list("centre_id", flat=True).distinct()
    for centre_id in list(centres.order_by("centre_id")):
        while seal_centre(centre_id) is not None:
            sealed += 1
    return sealed


def first_of_month(day: date) -> date:
    return day.replace(day=1)


@transaction.atomic
def do_review_access_log(*, actor: User, month: date, note: str = "") -> AccessReview:
    """The supervisor signs that she reviewed the month's reads of her centre, once per month; the
    chain's head at that moment is kept with her sign-off."""
    if actor.role != Role.SUPERVISOR:
        raise NotAllowedError(_("Only supervisors review the access log."))
    month = first_of_month(month)
    if month > first_of_month(timezone.localdate()):
        raise ActionError(_("A month that has not begun cannot be reviewed."), field="month")
    last = chain.head(actor.centre_id)
    try:
        with transaction.atomic():
            return AccessReview.objects.create(
                centre_id=actor.centre_id,
                month=month,
                reviewed_by=actor,
                chain_head=last.hash if last is not None else "",
                note=note,
            )
    except IntegrityError:
        raise ActionError(_("This month was already signed off as reviewed."), field="month") from None
