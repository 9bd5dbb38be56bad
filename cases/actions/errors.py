"""The refusals of case actions: the kinds come from the floor (caseflow/errors.py), so that the
API maps them without importing this app; the message for a stale version is written here."""

from __future__ import annotations

from django.utils.translation import gettext as _

from caseflow.errors import ActionError, NotAllowedError, StaleVersionError, TransitionError

__all__ = ["ActionError", "NotAllowedError", "StaleVersionError", "TransitionError", "stale"]


def stale(current: int, sent: int) -> StaleVersionError:
    """The writer read version `sent`, the row is at `current` (HTTP 409)."""
    return StaleVersionError(
        _("This was changed by someone else (version %(current)d, you sent %(sent)d). Reload and try again.")
        % {"current": current, "sent": sent},
        field="version",
    )
