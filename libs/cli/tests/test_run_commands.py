"""``skillpass serve`` runs one role of one service; ``skillpass stack`` keeps its state."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from click.testing import CliRunner

from skillpass.cli.main import cli
from skillpass.cli.run_commands import roles_of
from skillpass.cli.stack import load_stack


def test_a_role_a_service_does_not_have_is_refused() -> None:
    result = CliRunner().invoke(cli, ["serve", "verifier", "--role", "worker"])
    assert result.exit_code == 1
    assert "the verifier has no worker role" in result.output


def test_each_service_lists_the_roles_it_runs_as_processes() -> None:
    assert roles_of("issuer") == ["api", "consumer"]
    assert roles_of("wallet") == ["api", "consumer"]
    assert roles_of("verifier") == ["api"]
    assert roles_of("gateway") == ["api"]


def test_a_stack_keeps_its_id_and_secrets_and_isolates_its_databases(tmp_path: Path) -> None:
    first = load_stack(tmp_path, base_port=9100, environ={"KAFKA_BOOTSTRAP_SERVERS": "k:1"})
    again = load_stack(tmp_path, base_port=9999, environ={})
    assert again.stack_id == first.stack_id
    assert again.base_port == 9100  # the saved ports win
    for secret in ("issuer-kek", "wallet-kek", "jwt-signing-key.pem"):
        assert stat.S_IMODE((tmp_path / "secrets" / secret).stat().st_mode) == 0o600
    issuer, gateway = first.env("issuer"), first.env("gateway")
    assert issuer["MONGODB_DATABASE"] == f"stack_{first.stack_id}_issuer"
    assert issuer["KAFKA_BOOTSTRAP_SERVERS"] == "k:1"
    assert json.loads(gateway["SKILLPASS_GATEWAY_JWT_JWKS"]) == first.signer().jwks()
    assert gateway["SKILLPASS_GATEWAY_WALLET_URL"] == "http://127.0.0.1:9102"


def test_down_without_a_stack_stops_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["stack", "down", "--state-dir", str(tmp_path / "none")])
    assert result.exit_code == 0
    assert "nothing to stop" in result.output
