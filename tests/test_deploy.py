"""deploy/: the compose file, the Caddyfile and the settings example agree with each other
and with what the bot reads (no Docker needed: the files are parsed, not run)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from bot.settings import Settings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
REPLICAS = ("netral-1", "netral-2")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "netral.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name] = value
    return pairs


def test_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"postgres", "caddy", *REPLICAS}


@pytest.mark.parametrize("name", REPLICAS)
def test_replicas_share_one_database_key_and_secret(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    env = service["environment"]
    assert env["NETRAL_DB"].startswith("postgresql://netral:${POSTGRES_PASSWORD")
    assert env["NETRAL_DB"].endswith("@postgres:5432/netral")
    assert env["NETRAL_KEY_FILE"] == "/run/secrets/pseudonym_key"
    assert float(env["NETRAL_RATE_SHARE"]) * len(REPLICAS) == 1.0  # Telegram's limit, shared
    assert service["env_file"] == "netral.env" and "NETRAL_WEBHOOK_SECRET" in example()
    command = service["command"]
    assert command[:3] == ["netral", "run", "--webhook"]
    assert command[3].endswith("/telegram") and command[3].startswith("https://")
    assert command[command.index("--listen") + 1] == "0.0.0.0"
    assert command[command.index("--port") + 1] == "8443"
    assert "/healthz" in " ".join(service["healthcheck"]["test"])
    assert service["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_caddy_balances_both_replicas_with_health_checks() -> None:
    caddy = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddy)
    assert upstreams is not None
    assert upstreams.group(1).split() == [f"{name}:8443" for name in REPLICAS]
    for directive in ("lb_policy round_robin", "health_uri /healthz", "handle /telegram"):
        assert directive in caddy


def test_every_example_setting_is_read_somewhere(compose: dict[str, Any]) -> None:
    settings_source = (ROOT / "bot" / "settings.py").read_text(encoding="utf-8")
    compose_text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    for name in example():
        assert f'"{name}"' in settings_source or f"${{{name}" in compose_text, name


def test_the_example_settings_load() -> None:
    values = {**example(), "NETRAL_DB": "postgresql://netral:pw@postgres:5432/netral"}
    values["NETRAL_RATE_SHARE"] = "0.5"
    settings = Settings.from_env(values)
    assert settings.rate_share == 0.5 and settings.lease_seconds == 30.0
    assert settings.db_url is not None and "pw" not in str(settings)
