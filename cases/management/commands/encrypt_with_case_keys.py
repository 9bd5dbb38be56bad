"""Gives every case from before case keys its own data key and re-encrypts its values with it.

    python manage.py encrypt_with_case_keys [--batch 200]

Run once after upgrading (after `migrate` and `migrate --database keystore`); it commits case by case
batch and can be stopped and run again. cases/case_keys.py says why this is not a data migration.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cases import case_keys


class Command(BaseCommand):
    help = "Give every case its own data key and re-encrypt with it what the master keys still encrypt."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=200, help="cases per transaction")

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        keys, values = case_keys.convert(batch=batch)
        self.stdout.write(f"{keys} case keys made, {values} values re-encrypted with their case's key.")
        left = {label: n for label, n in case_keys.count_legacy().items() if n}
        if left:
            # Written meanwhile by a request that still saw the case without its key: run again.
            self.stdout.write(f"still under the master keys: {left}; run the command again.")
