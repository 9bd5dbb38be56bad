"""The reports' nightly work: rebuild the daily summaries once a new day has begun (Celery beat, hourly)."""

from __future__ import annotations

from celery import shared_task

from cases.reports import summaries


@shared_task(name="cases.reports.tasks.rebuild_summaries")
def rebuild_summaries() -> str | None:
    """Rebuilds when the summaries do not reach yesterday; else nothing. Hourly, so a missed night (a
    worker down at midnight) is made up within the hour; running it twice rebuilds once."""
    build = summaries.rebuild_if_stale()
    return build.through.isoformat() if build is not None and build.through else None
