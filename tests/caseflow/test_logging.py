"""Logs are JSON lines and never carry request bodies, query strings or paths."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from django.test import Client

from caseflow.logging import JsonFormatter, RedactRequestFilter


@pytest.fixture
def captured() -> Iterator[list[logging.LogRecord]]:
    """Records of django.request, passed through the project's filter as the stdout handler does."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    handler.addFilter(RedactRequestFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_it_logs_a_failed_request_without_its_path_query_or_body(
    client: Client, captured: list[logging.LogRecord]
) -> None:
    client.post("/api/v1/auth/token/?q=victim-phone-01012345678", {"email": "a@b.test", "password": "pw-in-body"})
    client.get("/no-such-page/kim-minji")
    assert captured, "django.request logged nothing"
    lines = [JsonFormatter().format(record) for record in captured]
    text = "\n".join(lines)
    for secret in ("01012345678", "pw-in-body", "kim-minji", "a@b.test"):
        assert secret not in text
    entry = json.loads(lines[-1])
    assert entry["logger"] == "django.request"
    assert entry["status_code"] == 404


def test_it_formats_extra_fields_and_exceptions_as_json() -> None:
    record = logging.makeLogRecord(
        {"name": "caseflow", "levelno": logging.ERROR, "levelname": "ERROR", "msg": "failed %s", "args": ("x",)}
    )
    record.case_id = 42
    record.body = "never"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed x"
    assert entry["case_id"] == 42
    assert "body" not in entry
