"""Daily summaries behind the supervisor reports: counts per centre and day, rebuilt every night.

Derived data only, never edited by a person: cases/reports/summaries.py rebuilds every row from the
cases, places and requests, and the reports add the days since the last rebuild live. Counts, no
victim detail and no case id.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.models import Centre
from cases.models.platform import Platform


class ReportCaseDay(models.Model):
    """Cases of a centre opened on a day (with minors and harm types) and closed on it."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    opened = models.PositiveIntegerField(db_default=0)
    minors = models.PositiveIntegerField(db_default=0)
    synthetic = models.PositiveIntegerField(db_default=0)
    filming = models.PositiveIntegerField(db_default=0)
    distribution = models.PositiveIntegerField(db_default=0)
    sextortion = models.PositiveIntegerField(db_default=0)
    personal_info = models.PositiveIntegerField(db_default=0)
    closed = models.PositiveIntegerField(db_default=0)

    class Meta:
        constraints = [
            # One row a day; also the index of the reports, which read a centre's days in a date range.
            models.UniqueConstraint(fields=["centre", "day"], name="report_case_day_unique"),
        ]

    def __str__(self) -> str:
        return f"cases of centre {self.centre_id} on {self.day}"


class ReportPlaceDay(models.Model):
    """Places found on a day and places removed on it, by platform and by who found them."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+", db_index=False)
    found_by = models.CharField(max_length=20)
    found = models.PositiveIntegerField(db_default=0)
    removed = models.PositiveIntegerField(db_default=0)

    class Meta:
        constraints = [
            # One row a day and kind; also the index of the reports, which read a centre's days in a range.
            models.UniqueConstraint(fields=["centre", "day", "platform", "found_by"], name="report_place_day_unique"),
        ]

    def __str__(self) -> str:
        return f"places of centre {self.centre_id} on {self.day}"


class ReportRequestDay(models.Model):
    """Takedown requests sent on a day, answered on it (by answer) and escalated on it, by platform."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+", db_index=False)
    sent = models.PositiveIntegerField(db_default=0)
    removed = models.PositiveIntegerField(db_default=0)
    partially_removed = models.PositiveIntegerField(db_default=0)
    refused = models.PositiveIntegerField(db_default=0)
    escalated = models.PositiveIntegerField(db_default=0)

    class Meta:
        constraints = [
            # One row a day and platform; also the index of the reports, which read a centre's days in a range.
            models.UniqueConstraint(fields=["centre", "day", "platform"], name="report_request_day_unique"),
        ]

    def __str__(self) -> str:
        return f"requests of centre {self.centre_id} on {self.day}"


class ReportBuild(models.Model):
    """When the summaries were last rebuilt, and the last day they cover (one row, pk 1: the rebuild locks it)."""

    through = models.DateField(null=True)
    built_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"report summaries through {self.through}"
