"""The committed schema file: ``python -m skillpass.gateway.sdl`` rewrites
``gateway/schema.graphql`` from the code (a test fails while the two differ, so every schema
change is reviewed)."""

from __future__ import annotations

from pathlib import Path

from skillpass.gateway.schema import build_schema
from skillpass.gateway.settings import GatewaySettings

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "schema.graphql"


def sdl() -> str:
    return str(build_schema(GatewaySettings(kafka_bootstrap_servers=None))) + "\n"


def main() -> None:
    SCHEMA_FILE.write_text(sdl())
    print(f"wrote {SCHEMA_FILE}")


if __name__ == "__main__":
    main()
