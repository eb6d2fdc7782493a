"""``skillpass sign`` / ``verify`` / ``bench vc`` through click's CliRunner."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from skillpass.cli.main import cli
from skillpass.cli.vc_commands import run_vc_benchmark
from skillpass.vc.samples import achievement_credential

SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
DID = f"did:key:{PUBLIC}"
W3C_SIGNED_RDFC_PROOF_VALUE = (
    "z2YwC8z3ap7yx1nZYCg4L3j3ApHsF8kgPdSb5xoS1VR7vPG3F561B52hYnQF9iseabecm3ijx4K1FBTQsCZahKZme"
)
W3C_UNSIGNED = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}


def _sign(runner: CliRunner, text: str, *extra: str) -> Any:
    return runner.invoke(
        cli,
        [
            "sign",
            "-",
            "--secret-key-multibase",
            SECRET,
            "--suite",
            "eddsa-rdfc-2022",
            "--created",
            "2026-01-15T09:00:00Z",
            *extra,
        ],
        input=text,
    )


def test_sign_reproduces_the_w3c_vector() -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "sign",
            "--secret-key-multibase",
            SECRET,
            "--verification-method",
            f"{DID}#{PUBLIC}",
            "--suite",
            "eddsa-rdfc-2022",
            "--created",
            "2023-02-24T23:36:38Z",
        ],
        input=json.dumps(W3C_UNSIGNED),
    )
    assert result.exit_code == 0, result.output
    signed = json.loads(result.output)
    assert signed["proof"][0]["proofValue"] == W3C_SIGNED_RDFC_PROOF_VALUE


def test_sign_then_verify_jsonl_many() -> None:
    runner = CliRunner()
    lines = "\n".join(json.dumps(achievement_credential(i, issuer=DID)) for i in range(5))
    signed = _sign(runner, lines, "--jsonl")
    assert signed.exit_code == 0, signed.output
    out_lines = signed.output.strip().splitlines()
    assert len(out_lines) == 5
    verified = runner.invoke(cli, ["verify", "--jsonl", "--json"], input=signed.output)
    assert verified.exit_code == 0, verified.output
    reports = [json.loads(line) for line in verified.output.strip().splitlines()]
    assert [r["verified"] for r in reports] == [True] * 5


def test_verify_human_report_and_failure_exit_code() -> None:
    runner = CliRunner()
    signed = json.loads(_sign(runner, json.dumps(achievement_credential(1, issuer=DID))).output)
    ok = runner.invoke(cli, ["verify"], input=json.dumps(signed))
    assert ok.exit_code == 0
    assert "VERIFIED" in ok.output
    assert "proof" in ok.output
    signed["name"] = "Something Else"
    bad = runner.invoke(cli, ["verify"], input=json.dumps(signed))
    assert bad.exit_code == 1
    assert "NOT VERIFIED" in bad.output
    assert "[FAIL] proof" in bad.output


@pytest.mark.parametrize(
    ("text", "message"),
    [("{not json", "not JSON"), ("[1, 2]", "not a credential"), ('{"a": 1}', "not a credential")],
)
def test_unusable_input_exits_2_with_one_line(text: str, message: str) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["verify"], input=text)
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    signing = _sign(runner, text)
    assert signing.exit_code == 2


def test_sign_with_a_bad_key_exits_2_without_echoing_it() -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli, ["sign", "--secret-key-multibase", "z3u2broken"], input=json.dumps(W3C_UNSIGNED)
    )
    assert result.exit_code == 2
    assert "z3u2broken" not in result.output


def test_sign_refuses_undefined_terms() -> None:
    doc = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": DID,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:x", "colour": "red"},
    }
    result = _sign(CliRunner(), json.dumps(doc))
    assert result.exit_code == 2
    assert "colour" in result.output


def test_bench_vc_json_output() -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli, ["bench", "vc", "--suite", "eddsa-jcs-2022", "--seconds", "0.05", "--json", "--no-pin"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    ops = {(r["suite"], r["op"]) for r in data["results"]}
    assert ops == {
        ("eddsa-jcs-2022", "sign"),
        ("eddsa-jcs-2022", "verify"),
        ("eddsa-jcs-2022", "verify_full"),
    }
    assert all(r["ops_per_s"] > 0 for r in data["results"])
    assert data["environment"]["python"]


def test_benchmark_uses_distinct_credentials_for_every_op(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    ticks = iter(range(10**6))

    def clock() -> float:
        return next(ticks) * 0.001

    import skillpass.cli.vc_commands as module
    from skillpass.vc.credentials import issue as original

    def spy(credential: Any, **kwargs: Any) -> Any:
        seen.append(credential["id"])
        return original(credential, **kwargs)

    monkeypatch.setattr(module, "issue", spy)
    rows = run_vc_benchmark(suites=["eddsa-jcs-2022"], seconds=0.05, passes=2, clock=clock)
    assert len(seen) > 100
    assert len(seen) == len(set(seen))  # no credential twice, across passes too
    assert [row["op"] for row in rows] == ["sign", "verify", "verify_full"]
    assert all(row["rounds"] >= 2 for row in rows)  # both passes' rounds pooled
