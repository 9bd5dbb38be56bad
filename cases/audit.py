"""Access logging: who read a case or exported data, when, from where.

Reading is not a change, so this is not an action: pages, the API and the read-only reports all
log their reads here without importing cases/actions/.
"""

from __future__ import annotations

from accounts.models import User
from caseflow.db import insert
from cases.models import AccessAction, AccessLog, Case


def log_access(
    *,
    user: User,
    case: Case | None,
    ip_address: str | None,
    action: str = AccessAction.VIEW,
    detail: dict[str, object] | None = None,
) -> None:
    """Writes who opened a case (or exported data), when, and from which address."""
    # One INSERT, nothing read back: every list page writes this row (bench.case_list).
    insert(
        AccessLog(
            case=case,
            case_reference=case.reference if case is not None else "",
            user=user,
            centre_id=user.centre_id,
            action=action,
            ip_address=ip_address,
            detail=detail or {},
        )
    )
