"""caseflow: case tracking for centres that support victims of digital sex crimes."""

from caseflow.celery import app as celery_app

__all__ = ["celery_app"]
