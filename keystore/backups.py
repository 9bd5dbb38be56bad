"""Dumping and restoring one database alias: `default` (the case data) or `keystore` (the case keys).

PostgreSQL through pg_dump / pg_restore (custom format, no owners, so a dump restores into any
database of the same schema); SQLite through its online backup API, which copies a consistent
snapshot while the application keeps writing. The two are dumped apart on purpose: the key store's
backups must expire sooner than the purge delay (README, "Keys and backups"), the case data's need not.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404 - runs pg_dump/pg_restore with an argument list, never a shell
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import connections

ALIASES = {"cases": "default", "keystore": "keystore"}


class BackupError(Exception):
    """pg_dump or pg_restore failed; the message is their own error output."""


def _postgres(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", str(settings_dict["NAME"])]
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    # The programs come from PATH with fixed options; the database settings are arguments, not shell text.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 # nosec B603
    if done.returncode != 0:
        raise BackupError(done.stderr.strip() or f"{command[0]} exited with {done.returncode}")


def dump(what: str, directory: Path) -> Path:
    """Writes `<what>-<UTC time>.<pgdump|sqlite3>` into `directory` and returns its path."""
    connection = connections[ALIASES[what]]
    settings_dict = connection.settings_dict
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    if connection.vendor == "postgresql":
        target = directory / f"{what}-{stamp}.pgdump"
        args, env = _postgres(settings_dict)
        _run(
            [shutil.which("pg_dump") or "pg_dump", "--format", "custom", "--no-owner", "--file", str(target), *args],
            env,
        )
    elif connection.vendor == "sqlite":
        target = directory / f"{what}-{stamp}.sqlite3"
        source = sqlite3.connect(str(settings_dict["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        raise BackupError(f"no backup for the {connection.vendor} database of {what}")
    target.chmod(0o600)
    return target


def restore(what: str, path: Path) -> None:
    """Replaces the database of `what` with the dump at `path` (its tables dropped and recreated)."""
    connection = connections[ALIASES[what]]
    connection.close()
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        args, env = _postgres(settings_dict)
        command = [shutil.which("pg_restore") or "pg_restore", "--clean", "--if-exists", "--no-owner"]
        _run([*command, "--single-transaction", *args, str(path)], env)
    elif connection.vendor == "sqlite":
        source = sqlite3.connect(str(path))
        target = sqlite3.connect(str(settings_dict["NAME"]))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        raise BackupError(f"no restore for the {connection.vendor} database of {what}")
