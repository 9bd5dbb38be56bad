"""Purges the closed cases past their retention date now, as the nightly job does; `--dry-run` only counts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.actions import purge


class Command(BaseCommand):
    help = (
        "Purge closed cases whose retention date has passed (anonymous figures kept for the reports, one "
        "purge record per case). Safe to stop and run again. --dry-run prints what is due and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count the cases due per centre; change nothing")
        parser.add_argument("--batch-size", type=int, default=None, help="case ids read per batch")
        parser.add_argument("--limit", type=int, default=None, help="stop after purging this many cases")

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("batch_size", "limit"):
            if options[name] is not None and options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be 1 or more")
        if options["dry_run"]:
            run = purge.count_due()
            for centre_id, n in run.by_centre.items():
                self.stdout.write(f"centre {centre_id}: {n} case(s) due")
            self.stdout.write(f"dry run: {run.due} case(s) due for purging; nothing changed")
            return
        run = purge.purge_expired(batch_size=options["batch_size"], limit=options["limit"])
        self.stdout.write(f"{run.purged} case(s) purged in {run.batches} batch(es); {run.due - run.purged} left due")
