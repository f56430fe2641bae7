"""The deployment files: a compose file that a Docker engine would accept and that wires two
app replicas, PostgreSQL, Redis and a WebSocket-capable proxy; a small non-root image."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

DOCKER = Path(__file__).resolve().parents[1] / "docker"


def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yml").read_text())


def test_compose_runs_two_app_replicas_on_postgres_and_redis_behind_a_proxy() -> None:
    services = compose()["services"]

    apps = [name for name, s in services.items() if s.get("image") == "grassroots:latest"]
    assert len(apps) == 2
    for name in apps:
        env = services[name]["environment"]
        assert env["GRASSROOTS_DATABASE_URL"].startswith("postgres://")
        assert env["GRASSROOTS_DATABASE_URL"].endswith("@postgres:5432/grassroots")
        assert env["GRASSROOTS_BROKER_URL"] == "redis://redis:6379/0"
        assert env["GRASSROOTS_ENV"] == "production"
        # no default secret in production: compose refuses to start without one
        assert ":?" in env["GRASSROOTS_SECRET_KEY"]
        assert set(services[name]["depends_on"]) == {"postgres", "redis"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert "healthcheck" in services["postgres"]
    assert "healthcheck" in services["redis"]
    assert services["proxy"]["ports"] == ["8080:80"]


def test_every_volume_and_mounted_file_exists() -> None:
    data = compose()
    for service in data["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DOCKER / source).is_file(), source
            else:
                assert source in data["volumes"], source


def test_the_proxy_balances_both_replicas_and_carries_websockets() -> None:
    conf = (DOCKER / "nginx.conf").read_text()

    upstream = re.search(r"upstream grassroots \{(.*?)\}", conf, re.S)
    assert upstream is not None
    services = set(re.findall(r"server (\w+):8000", upstream.group(1)))
    assert services == {"app1", "app2"}
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "proxy_set_header Connection $connection_upgrade;" in conf
    assert "proxy_http_version 1.1;" in conf


def test_the_image_runs_as_a_non_root_user_with_a_readiness_check() -> None:
    dockerfile = (DOCKER / "Dockerfile").read_text()
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]

    assert final_stage.startswith("python:3.11-slim")
    assert re.search(r"^USER grassroots$", final_stage, re.M)
    assert "/readyz" in final_stage
    assert "COPY frontend/dist" in final_stage
    # nothing from the build stage's toolchain in the final image
    assert "gcc" not in final_stage
    assert "npm" not in final_stage
