"""Structured logging: one JSON object a line, with request details reduced to what is safe."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else was passed with `extra=` and is emitted as a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
# Never emitted, whoever passes them: a request carries bodies, query strings, cookies and headers.
_DROPPED = {"request", "body", "data", "params", "query_string", "headers", "cookies"}


class RedactRequestFilter(logging.Filter):
    """Replaces a `request` attached by Django's loggers with its method and route only."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = record.__dict__.get("request")
        if request is not None:
            match = getattr(request, "resolver_match", None)
            record.method = getattr(request, "method", None)
            record.route = match.route if match is not None else None
            del record.__dict__["request"]
        # Django's "Not Found: /path?q=…" messages carry the path and query; the route is enough.
        if record.name in {"django.request", "django.server"}:
            record.msg = "request answered with an error" if record.levelno >= logging.WARNING else "request"
            record.args = ()
        return True


class JsonFormatter(logging.Formatter):
    """Formats a record as a single JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in _DROPPED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
