"""API token authentication: knox's, without re-reading every token of the user on each request."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication


class TokenAuthentication(KnoxTokenAuthentication):
    """Checks only the presented token's expiry. Knox also loads and prunes all of the user's other
    tokens on every call (a second query per request); accounts.tasks.purge_expired_credentials
    deletes expired tokens every hour instead."""

    def _cleanup_token(self, auth_token: Any) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False
