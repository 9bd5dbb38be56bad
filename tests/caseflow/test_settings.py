"""Settings come from the environment, fail loudly on a bad value, and pass Django's deploy checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from caseflow.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "k7#Qm2!vXz9@Lp4$Rt6^Wy8&Nb1*Hc3(Jd5)Fg0-Ts2+Ue4=Va6_Ob8",
    "ALLOWED_HOSTS": "caseflow.example.org",
    "CASEFLOW_VAR_DIR": "var/test-prod",
    "CASEFLOW_FIELD_KEYS": "stT6FjLaZ_f2UPJtVgNgHmYFdgWFmhodxch1zM6XxSc=",
    "CASEFLOW_INDEX_KEY": "prod-like-index-key-9f8e7d6c5b4a39281706f5e4d3c2b1a0",
}


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # No DATABASE_URL: the checks run on SQLite, whatever database the test run itself uses.
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ["X_FLAG", "X_FLAG_FILE", "X_NUMBER", "X_NAMES", "X_SECRET", "X_SECRET_FILE"]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_it_reads_booleans_and_refuses_anything_else(environ: pytest.MonkeyPatch) -> None:
    assert env_bool("X_FLAG", False) is False
    environ.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG", False) is True
    environ.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        env_bool("X_FLAG", False)


def test_it_reads_integers_with_a_minimum(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("X_NUMBER", "30")
    assert env_int("X_NUMBER", 5, minimum=1) == 30
    environ.setenv("X_NUMBER", "thirty")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("X_NUMBER", 5)
    environ.setenv("X_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        env_int("X_NUMBER", 5, minimum=1)


def test_it_reads_lists(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("X_NAMES", " a.example, ,b.example ")
    assert env_list("X_NAMES") == ["a.example", "b.example"]


def test_it_reads_secrets_from_a_file(environ: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    environ.setenv("X_SECRET_FILE", str(secret))
    assert env_str("X_SECRET") == "s3cret"
    environ.setenv("X_SECRET", "other")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_str("X_SECRET")
    environ.delenv("X_SECRET")
    environ.setenv("X_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_str("X_SECRET")


def test_it_requires_a_missing_value_without_a_default(environ: pytest.MonkeyPatch) -> None:
    with pytest.raises(ImproperlyConfigured, match="X_SECRET is required"):
        env_str("X_SECRET")


def test_it_refuses_to_start_without_a_secret_key_outside_debug() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _run("manage.py", "check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) is required" in result.stderr


def test_it_refuses_to_start_with_a_bad_value() -> None:
    result = _run("manage.py", "check", env={**PRODUCTION, "SESSION_IDLE_MINUTES": "half an hour"})
    assert result.returncode != 0
    assert "SESSION_IDLE_MINUTES='half an hour' is not an integer" in result.stderr


def test_it_refuses_two_step_sign_in_for_a_role_that_does_not_exist() -> None:
    result = _run("manage.py", "check", env={**PRODUCTION, "MFA_REQUIRED_FOR": "counsellor,supervisors"})
    assert result.returncode != 0
    assert "MFA_REQUIRED_FOR names unknown roles ['supervisors']" in result.stderr


def test_it_reads_the_roles_that_must_use_two_step_sign_in() -> None:
    code = "from django.conf import settings; print(settings.MFA_REQUIRED_FOR)"
    default = _run("manage.py", "shell", "-c", code, env=PRODUCTION)
    assert default.stdout.strip().splitlines()[-1] == "['supervisor', 'admin']", default.stderr
    everyone = _run(
        "manage.py", "shell", "-c", code, env={**PRODUCTION, "MFA_REQUIRED_FOR": "counsellor, supervisor,admin"}
    )
    assert everyone.stdout.strip().splitlines()[-1] == "['counsellor', 'supervisor', 'admin']", everyone.stderr


def test_it_refuses_to_start_without_allowed_hosts() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "ALLOWED_HOSTS"}
    result = _run("manage.py", "check", env=env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is required" in result.stderr


def test_it_passes_the_deploy_checks_in_production() -> None:
    result = _run("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout
