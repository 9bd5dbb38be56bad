"""docker-compose.yml describes the production-like stack (no Docker engine runs here to start it)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_it_has_the_five_services_with_health_checks() -> None:
    services = _compose()["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    for name in ("web", "worker", "db", "redis"):
        assert "test" in services[name]["healthcheck"], name
    assert services["db"]["image"] == "postgres:17"
    assert services["redis"]["image"] == "redis:7"


def test_it_runs_gunicorn_celery_worker_and_beat() -> None:
    services = _compose()["services"]
    assert services["web"]["command"][:1] == ["gunicorn"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "caseflow", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "caseflow", "beat"]
    assert (ROOT / "caseflow" / "gunicorn.py").exists()


def test_it_keeps_the_database_on_a_volume() -> None:
    compose = _compose()
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]
    assert "pgdata" in compose["volumes"]


def test_it_points_the_app_at_postgres_and_redis_and_waits_for_them() -> None:
    web = _compose()["services"]["web"]
    assert web["environment"]["DATABASE_URL"].startswith("postgres://")
    assert web["environment"]["REDIS_URL"].startswith("redis://redis:6379")
    assert web["env_file"] == ".env"


def test_it_documents_every_required_setting_in_the_example() -> None:
    example = (ROOT / ".env.example").read_text()
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"):
        assert f"\n{name}=" in "\n" + example
    assert (ROOT / "Dockerfile").exists()


def test_it_runs_the_inbound_smtp_server_as_a_service_of_its_own() -> None:
    inbound = _compose()["services"]["inbound"]
    assert inbound["command"][:3] == ["python", "manage.py", "run_inbound_smtp"]
    assert "test" in inbound["healthcheck"]
    assert "run_inbound_smtp" in (ROOT / "Makefile").read_text()
