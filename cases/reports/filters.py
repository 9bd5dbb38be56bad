"""The reports' query string: a date range, a platform, a year; the same rules for pages, CSV and API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Platform

FIRST_YEAR, LAST_YEAR = 2000, 2200


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included, in the centre's time zone."""

    start: date
    end: date

    def bounds(self) -> tuple[datetime, datetime]:
        """The first moment of `start` and the first moment after `end`: [from, to) for SQL."""
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )

    def months(self) -> list[date]:
        """The first day of every month the period touches, in order."""
        months = []
        month = self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))


@dataclass(frozen=True)
class Filters:
    """What the person asked for, with each report's defaults filled in."""

    period: Period
    platform: Platform | None
    year: int

    def query(self) -> dict[str, str]:
        """The query string that asks for exactly this again (CSV links keep the page's filters)."""
        query = {"from": self.period.start.isoformat(), "to": self.period.end.isoformat(), "year": str(self.year)}
        if self.platform is not None:
            query["platform"] = str(self.platform.pk)
        return query


def today() -> date:
    return timezone.localdate()


# How far back each report looks when the query string does not say: a month of new cases for the
# workload, a quarter of platform answers, a year of trends.
DEFAULT_DAYS = {"workload": 30, "platforms": 90}


def default_period(report: str) -> Period:
    end = today()
    if report == "trends":
        first = end.replace(day=1)
        for _month in range(11):
            first = (first - timedelta(days=1)).replace(day=1)
        return Period(first, end)
    if report == "annual":
        return Period.year(end.year)
    return Period(end - timedelta(days=DEFAULT_DAYS.get(report, 90) - 1), end)


def _bounded(value: date | None) -> None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise forms.ValidationError(_("Enter a date between the years 2000 and 2200."))


class FilterForm(forms.Form):
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD&platform=<id>&year=YYYY`, every part optional."""

    platform = forms.ModelChoiceField(
        label=_("Platform"), queryset=Platform.objects.order_by("name"), required=False, empty_label=_("All platforms")
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR)

    def __init__(self, *args: Any, report: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.report = report
        # "from" is a Python keyword: these two are added by name.
        self.fields["from"] = forms.DateField(label=_("First day"), required=False, validators=[_bounded])
        self.fields["to"] = forms.DateField(label=_("Last day"), required=False, validators=[_bounded])
        for name in ("from", "to"):
            self.fields[name].widget.input_type = "date"
        self.order_fields(["from", "to", "platform", "year"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the period comes after its end."))
        return data

    def filters(self) -> Filters:
        """The valid filters with the report's defaults; call after is_valid()."""
        data = self.cleaned_data
        year = data.get("year") or today().year
        if self.report == "annual":
            period = Period.year(year)
        else:
            default = default_period(self.report)
            start, end = data.get("from"), data.get("to")
            if start and not end:
                end = max(start, default.end)
            if end and not start:
                start = min(end, default.start)
            period = Period(start, end) if start and end else default
        return Filters(period=period, platform=data.get("platform"), year=year)
