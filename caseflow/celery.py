"""The Celery application; configuration comes from Django settings prefixed CELERY_."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caseflow.settings")

app = Celery("caseflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def close_old_database_connections(sender: Any = None, **kwargs: Any) -> None:
    """Before and after each task, what Django does around each request: a connection that is older
    than CONN_MAX_AGE or broke is closed, and the next query checks the one it reuses
    (CONN_HEALTH_CHECKS) and opens a new one if the database went away (a restart, a failover).

    Needed because CELERY_DB_REUSE_MAX keeps a worker's connection across tasks (Celery's Django
    fix-up would otherwise close it after every task) and checks nothing: a worker would keep a dead
    connection, failing every task, until its thousandth. Tasks run eagerly (in the caller's
    process, inside its transaction) are left alone, as the fix-up leaves them.
    """
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


task_prerun.connect(close_old_database_connections, weak=False, dispatch_uid="caseflow-db-prerun")
task_postrun.connect(close_old_database_connections, weak=False, dispatch_uid="caseflow-db-postrun")
