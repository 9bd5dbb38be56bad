"""Rebuilds the supervisor reports' daily summaries now (after an import, or to show a correction at once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cases.reports import summaries


class Command(BaseCommand):
    help = "Rebuild the reports' daily summaries up to the end of yesterday."

    def handle(self, *args: Any, **options: Any) -> None:
        build = summaries.rebuild()
        self.stdout.write(f"daily summaries rebuilt through {build.through} in {build.seconds:.1f} s")
