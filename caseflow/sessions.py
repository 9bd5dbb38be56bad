"""The session store: Django's database sessions, each read by one hand-written SELECT."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone

from caseflow.db import select_one


class SessionStore(DatabaseSessionStore):
    """Reads the session as Django's store does (by its key, unexpired) without building the query
    through the ORM on every request (caseflow.db.select_one says what that costs)."""

    def _get_session_from_db(self) -> Any:
        key = self.session_key
        # The time as the ORM would send it to this database (SQLite keeps naive UTC text).
        now = self.model._meta.get_field("expire_date").get_db_prep_value(
            timezone.now(), connections[router.db_for_read(self.model)]
        )
        session = select_one(self.model, 't."session_key" = %s AND t."expire_date" > %s', [key, now]) if key else None
        if session is None:
            self._session_key = None
        return session
