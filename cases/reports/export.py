"""Report tables as CSV for spreadsheets, and as values for the API.

CSV is UTF-8 with a byte-order mark, so that Excel opens Korean text as Korean. A cell that begins
with =, +, -, @, a tab or a carriage return is prefixed with an apostrophe: a spreadsheet would
otherwise run it as a formula (a counsellor's name or a platform's name is typed by a person).
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.reports.tables import DAY, FLAG, HOURS, MONTH, NUMBER, SHARE, WHEN, Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """The cell as text a spreadsheet shows and never evaluates."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def csv_cell(value: Any, kind: str) -> str:
    """A value as a spreadsheet reads it: plain numbers (shares in per cent), ISO dates."""
    if value is None:
        return ""
    if kind == SHARE:
        return f"{value * 100:.1f}"
    if kind in (HOURS, NUMBER) and isinstance(value, float):
        return f"{value:.1f}"
    if kind == WHEN and isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if kind == MONTH and isinstance(value, date):
        return value.strftime("%Y-%m")
    if kind == DAY and isinstance(value, date):
        return value.isoformat()
    if kind == FLAG:
        return _("Yes") if value else ""
    return neutralise(str(value))


def csv_response(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([neutralise(str(column.label)) for column in table.columns])
    for row in [*table.rows, *([table.footer] if table.footer else [])]:
        writer.writerow([csv_cell(row.get(column.key), column.kind) for column in table.columns])
    return response


def api_value(value: Any, kind: str) -> Any:
    """A value for JSON: shares as fractions (0–1), hours to a tenth, times in ISO 8601."""
    if value is None:
        return None
    if kind == SHARE:
        return round(float(value), 4)
    if kind in (HOURS, NUMBER) and isinstance(value, float):
        return round(value, 1)
    if kind == WHEN and isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if kind == MONTH and isinstance(value, date):
        return value.strftime("%Y-%m")
    if kind == DAY and isinstance(value, date):
        return value.isoformat()
    if kind == FLAG:
        return bool(value)
    return value
