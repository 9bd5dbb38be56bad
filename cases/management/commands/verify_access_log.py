"""Verifies every centre's access-log chain; names the first broken block and exits 1 if one fails."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases import chain


class Command(BaseCommand):
    help = (
        "Verify the access log's sealed blocks: each centre's chain from its first block, every hash "
        "recomputed from the rows. Prints each chain's head (keep a copy outside the database)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--centre", type=int, default=None, help="verify this centre's chain only")

    def handle(self, *args: Any, **options: Any) -> None:
        centres = [options["centre"]] if options["centre"] is not None else chain.centres_with_blocks()
        broken = []
        for centre_id in centres:
            check = chain.verify_centre(centre_id)
            if check.broken is not None:
                broken.append(check.broken)
                self.stdout.write(
                    f"centre {centre_id}: BROKEN at block {check.broken.number}: {check.broken.reason} "
                    f"({check.blocks} block(s) before it verify)"
                )
            else:
                self.stdout.write(f"centre {centre_id}: {check.blocks} block(s) verified, head {check.head}")
        if broken:
            first = broken[0]
            raise CommandError(f"access log chain broken: centre {first.centre_id}, block {first.number}")
        self.stdout.write("access log verified")
