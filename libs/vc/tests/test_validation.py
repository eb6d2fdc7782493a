"""Validation: VC data model rules, the validity window and the OB 3.0 JSON Schema."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skillpass.vc import validation
from skillpass.vc.result import Check, Outcome
from skillpass.vc.status import status_list_entry
from skillpass.vc.validation import (
    data_model_problems,
    format_datetime,
    parse_datetime,
    schema_problems,
    validate_for_issue,
    validation_checks,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ISSUER = "did:web:uni.example"
LEARNER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def achievement_credential() -> dict[str, Any]:
    """A realistic, signed-shape OB 3.0 AchievementCredential (proof value not checked here)."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:5f1b4a2e-8f4e-4b53-9c2c-2f1f0c8e6b11",
        "type": ["VerifiableCredential", "AchievementCredential"],
        "name": "Data Analysis with Python",
        "description": "Awarded for completing the Data Analysis micro-credential.",
        "issuer": {
            "id": ISSUER,
            "type": ["Profile"],
            "name": "Example University",
            "url": "https://uni.example",
            "email": "badges@uni.example",
        },
        "validFrom": "2026-01-15T09:30:00Z",
        "validUntil": "2031-01-15T09:30:00Z",
        "awardedDate": "2026-01-15T09:30:00+01:00",
        "credentialSubject": {
            "id": LEARNER,
            "type": ["AchievementSubject"],
            "activityEndDate": "2026-01-10T00:00:00Z",
            "creditsEarned": 5,
            "achievement": {
                "id": "https://uni.example/achievements/data-analysis",
                "type": ["Achievement"],
                "achievementType": "MicroCredential",
                "name": "Data Analysis with Python",
                "description": "Cleans, explores and visualises tabular data with pandas.",
                "criteria": {"narrative": "Pass the three graded projects with at least 70%."},
                "creditsAvailable": 5,
                "tag": ["python", "data"],
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Data analysis",
                        "targetUrl": "https://esco.example/skill/data-analysis",
                        "targetType": "ceasn:Competency",
                    }
                ],
                "resultDescription": [
                    {
                        "id": "urn:uuid:2d1c2f4e-0000-4000-8000-000000000001",
                        "type": ["ResultDescription"],
                        "name": "Final grade",
                        "resultType": "LetterGrade",
                        "allowedValue": ["A", "B", "C"],
                    }
                ],
            },
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": "urn:uuid:2d1c2f4e-0000-4000-8000-000000000001",
                    "value": "A",
                }
            ],
        },
        "credentialStatus": status_list_entry(
            list_url="https://uni.example/status/revocation/1", index=94567, purpose="revocation"
        ),
        "credentialSchema": [
            {
                "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
                "type": "1EdTechJsonSchemaValidator2019",
            }
        ],
        "proof": [
            {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "created": "2026-01-15T09:30:00Z",
                "verificationMethod": f"{ISSUER}#key-1",
                "proofPurpose": "assertionMethod",
                "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a",
            }
        ],
    }


def vc11_credential() -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://www.w3.org/2018/credentials/examples/v1",
        ],
        "id": "http://example.edu/credentials/1872",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": "https://example.edu/issuers/565049",
        "issuanceDate": "2010-01-01T19:23:24Z",
        "expirationDate": "2030-01-01T19:23:24Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "alumniOf": "Example U",
        },
    }


def checks_by_name(credential: Any, now: datetime = NOW) -> dict[str, Check]:
    return {c.name: c for c in validation_checks(credential, now=now)}


# --------------------------------------------------------------------------------- all passing


def test_realistic_achievement_credential_passes_every_check() -> None:
    checks = validation_checks(achievement_credential(), now=NOW)
    assert [(c.name, c.outcome) for c in checks] == [
        ("data_model", Outcome.PASSED),
        ("validity_period", Outcome.PASSED),
        ("schema", Outcome.PASSED),
    ]
    assert checks[1].detail == {
        "validFrom": "2026-01-15T09:30:00Z",
        "validUntil": "2031-01-15T09:30:00Z",
    }


def test_unsigned_achievement_credential_passes_the_schema() -> None:
    credential = achievement_credential()
    del credential["proof"]
    assert checks_by_name(credential)["schema"].outcome is Outcome.PASSED
    assert validate_for_issue(credential, now=NOW) == []


def test_single_proof_object_is_read_as_a_one_element_array() -> None:
    credential = achievement_credential()
    credential["proof"] = credential["proof"][0]
    schema = checks_by_name(credential)["schema"]
    assert schema.outcome is Outcome.PASSED
    assert "single proof object" in schema.reason


def test_revocation_and_suspension_entries_each_pass_the_schema() -> None:
    credential = achievement_credential()
    credential["credentialStatus"] = [
        credential["credentialStatus"],
        status_list_entry(
            list_url="https://uni.example/status/suspension/1", index=7, purpose="suspension"
        ),
    ]
    assert checks_by_name(credential)["schema"].outcome is Outcome.PASSED


def test_a_later_status_entry_is_checked_against_the_schema_too() -> None:
    credential = achievement_credential()
    credential["credentialStatus"] = [credential["credentialStatus"], {"id": "urn:x:1"}]
    schema = checks_by_name(credential)["schema"]
    assert schema.outcome is Outcome.FAILED
    assert "$.credentialStatus[1]: 'type' is a required property" in schema.reason


def test_open_badge_credential_type_is_validated_too() -> None:
    credential = achievement_credential()
    credential["type"] = ["VerifiableCredential", "OpenBadgeCredential"]
    del credential["credentialSubject"]["achievement"]["criteria"]
    assert checks_by_name(credential)["schema"].outcome is Outcome.FAILED


def test_vc11_credential_passes_data_model_and_validity() -> None:
    checks = checks_by_name(vc11_credential())
    assert checks["data_model"].outcome is Outcome.PASSED
    assert checks["data_model"].detail == {"version": "1.1"}
    assert checks["validity_period"].outcome is Outcome.PASSED
    assert checks["schema"].outcome is Outcome.SKIPPED


def test_schema_is_skipped_for_credentials_that_are_not_open_badges() -> None:
    schema = checks_by_name(vc11_credential())["schema"]
    assert (schema.outcome, schema.reason) == (
        Outcome.SKIPPED,
        "not an Open Badges credential: no schema applies",
    )


def test_schema_is_skipped_for_an_ob3_credential_of_the_vc11_era() -> None:
    credential = achievement_credential()
    credential["@context"][0] = "https://www.w3.org/2018/credentials/v1"
    credential["issuanceDate"] = credential.pop("validFrom")
    schema = checks_by_name(credential)["schema"]
    assert schema.outcome is Outcome.SKIPPED
    assert "VC 1.1" in schema.reason


# ---------------------------------------------------------------------------------- data model


def _without(path: str) -> dict[str, Any]:
    credential = vc2_credential()
    *parents, last = path.split(".")
    node: Any = credential
    for key in parents:
        node = node[key]
    del node[last]
    return credential


def vc2_credential(**changes: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            {"@vocab": "https://uni.example/vocab#"},
        ],
        "id": "https://uni.example/credentials/3732",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": ISSUER,
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": LEARNER, "degree": "BSc"},
    }
    return credential | changes


DATA_MODEL_FAILURES: list[tuple[str, Any, str]] = [
    ("not-an-object", ["a list"], "must be a JSON object"),
    ("no-context", _without("@context"), "@context is required"),
    (
        "wrong-first-context",
        vc2_credential(
            **{"@context": ["https://example.org/ctx", "https://www.w3.org/ns/credentials/v2"]}
        ),
        "the first @context must be https://www.w3.org/ns/credentials/v2",
    ),
    (
        "context-entry-not-url",
        vc2_credential(**{"@context": ["https://www.w3.org/ns/credentials/v2", 42]}),
        "every @context entry must be a URL or an object",
    ),
    (
        "no-vc-type",
        vc2_credential(type=["ExampleDegreeCredential"]),
        "type must include 'VerifiableCredential'",
    ),
    ("no-type", _without("type"), "type must include 'VerifiableCredential'"),
    (
        "type-not-string",
        vc2_credential(type=["VerifiableCredential", 7]),
        "every type must be a string",
    ),
    ("id-not-url", vc2_credential(id="credential 3732"), "id 'credential 3732' is not a URL"),
    ("no-issuer", _without("issuer"), "issuer is required"),
    ("issuer-not-url", vc2_credential(issuer="Example University"), "issuer must be a URL"),
    (
        "issuer-object-without-id",
        vc2_credential(issuer={"name": "Example"}),
        "issuer must be a URL",
    ),
    ("no-subject", _without("credentialSubject"), "credentialSubject is required"),
    (
        "empty-subject",
        vc2_credential(credentialSubject={}),
        "credentialSubject must be a non-empty object",
    ),
    (
        "subject-id-not-url",
        vc2_credential(credentialSubject={"id": "learner 7", "degree": "BSc"}),
        "credentialSubject.id 'learner 7' is not a URL",
    ),
    (
        "second-subject-not-object",
        vc2_credential(credentialSubject=[{"id": LEARNER}, "x"]),
        "credentialSubject[1] must be a non-empty object",
    ),
    (
        "status-without-type",
        vc2_credential(credentialStatus={"id": "https://uni.example/status/1#3"}),
        "credentialStatus must have a type",
    ),
    (
        "status-id-not-url",
        vc2_credential(credentialStatus={"id": "status 3", "type": "BitstringStatusListEntry"}),
        "credentialStatus.id 'status 3' is not a URL",
    ),
    (
        "status-not-object",
        vc2_credential(credentialStatus="https://x.example/1"),
        "credentialStatus must be an object",
    ),
    (
        "schema-without-id",
        vc2_credential(credentialSchema={"type": "JsonSchema"}),
        "credentialSchema must have a URL id and a type",
    ),
    (
        "valid-from-without-timezone",
        vc2_credential(validFrom="2026-01-01T00:00:00"),
        "validFrom '2026-01-01T00:00:00' is not an XML Schema dateTime with a timezone",
    ),
    (
        "valid-from-date-only",
        vc2_credential(validFrom="2026-01-01"),
        "validFrom '2026-01-01' is not",
    ),
    (
        "valid-until-impossible-date",
        vc2_credential(validUntil="2026-02-30T00:00:00Z"),
        "validUntil",
    ),
    ("valid-until-lowercase-z", vc2_credential(validUntil="2027-01-01t00:00:00z"), "validUntil"),
    ("valid-from-not-string", vc2_credential(validFrom=1767225600), "validFrom 1767225600 is not"),
    (
        "dates-out-of-order",
        vc2_credential(validFrom="2027-01-02T00:00:00Z"),
        "validFrom is after validUntil",
    ),
    (
        "vc11-without-issuance-date",
        {k: v for k, v in vc11_credential().items() if k != "issuanceDate"},
        "issuanceDate is required in a VC 1.1 credential",
    ),
    (
        "vc11-dates-out-of-order",
        vc11_credential() | {"expirationDate": "2009-01-01T00:00:00Z"},
        "issuanceDate is after expirationDate",
    ),
]


@pytest.mark.parametrize(
    ("credential", "problem"),
    [case[1:] for case in DATA_MODEL_FAILURES],
    ids=[case[0] for case in DATA_MODEL_FAILURES],
)
def test_data_model_failure_names_the_rule(credential: Any, problem: str) -> None:
    check = checks_by_name(credential)["data_model"]
    assert check.outcome is Outcome.FAILED
    assert problem in check.reason
    assert any(problem in p for p in check.detail["problems"])


def test_every_broken_rule_is_reported_not_just_the_first() -> None:
    problems = data_model_problems(vc2_credential(id="x y", issuer="nobody", type=["Thing"]))
    assert len(problems) == 3


def test_vc11_issuance_date_without_timezone_is_read_as_utc() -> None:
    credential = vc11_credential() | {"expirationDate": "2026-06-01T11:59:59"}
    checks = checks_by_name(credential)
    assert checks["data_model"].outcome is Outcome.PASSED
    assert checks["validity_period"].reason == "expired at 2026-06-01T11:59:59Z"


# ----------------------------------------------------------------------------- validity period


@pytest.mark.parametrize(
    ("now", "outcome", "reason"),
    [
        (
            datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC),
            Outcome.FAILED,
            "not yet valid until 2026-01-01T00:00:00Z",
        ),
        (datetime(2026, 1, 1, tzinfo=UTC), Outcome.PASSED, "valid at 2026-01-01T00:00:00Z"),
        (datetime(2027, 1, 1, tzinfo=UTC), Outcome.PASSED, "valid at 2027-01-01T00:00:00Z"),
        (
            datetime(2027, 1, 1, 0, 0, 1, tzinfo=UTC),
            Outcome.FAILED,
            "expired at 2027-01-01T00:00:00Z",
        ),
        # Same instant in another zone: comparisons are by instant, reasons in UTC.
        (
            datetime(2027, 1, 1, 1, 0, 1, tzinfo=timezone(timedelta(hours=1))),
            Outcome.FAILED,
            "expired at",
        ),
    ],
    ids=["before", "at-start", "at-end", "after", "after-other-zone"],
)
def test_validity_period_against_now(now: datetime, outcome: Outcome, reason: str) -> None:
    check = checks_by_name(vc2_credential(), now=now)["validity_period"]
    assert check.outcome is outcome
    assert check.reason.startswith(reason)


def test_expired_vc11_credential_fails_validity_period() -> None:
    check = checks_by_name(vc11_credential(), now=datetime(2031, 1, 1, tzinfo=UTC))[
        "validity_period"
    ]
    assert (check.outcome, check.reason) == (Outcome.FAILED, "expired at 2030-01-01T19:23:24Z")
    assert check.detail == {
        "issuanceDate": "2010-01-01T19:23:24Z",
        "expirationDate": "2030-01-01T19:23:24Z",
    }


def test_credential_without_dates_is_valid_at_any_time() -> None:
    credential = vc2_credential()
    del credential["validFrom"], credential["validUntil"]
    check = checks_by_name(credential)["validity_period"]
    assert (check.outcome, check.reason) == (
        Outcome.PASSED,
        "no validity period: valid at any time",
    )


def test_unreadable_dates_make_the_validity_period_an_error() -> None:
    check = checks_by_name(vc2_credential(validUntil="next year"))["validity_period"]
    assert check.outcome is Outcome.ERROR
    assert "validUntil 'next year'" in check.reason


# ------------------------------------------------------------------------------------- schema


def _broken(mutate: Any) -> dict[str, Any]:
    credential = copy.deepcopy(achievement_credential())
    mutate(credential)
    return credential


SCHEMA_FAILURES: list[tuple[str, dict[str, Any], str]] = [
    (
        "achievement-without-criteria",
        _broken(lambda c: c["credentialSubject"]["achievement"].pop("criteria")),
        "$.credentialSubject.achievement: 'criteria' is a required property",
    ),
    (
        "subject-without-achievement-subject-type",
        _broken(lambda c: c["credentialSubject"].update(type=["Person"])),
        "$.credentialSubject.type",
    ),
    (
        "issuer-profile-without-type",
        _broken(lambda c: c["issuer"].pop("type")),
        "$.issuer: 'type' is a required property",
    ),
    (
        "no-valid-from",
        _broken(lambda c: c.pop("validFrom")),
        "$: 'validFrom' is a required property",
    ),
    ("no-id", _broken(lambda c: c.pop("id")), "$: 'id' is a required property"),
    (
        "second-context-not-ob",
        _broken(lambda c: c["@context"].__setitem__(1, "https://example.org/ob.json")),
        "$['@context'][1]",
    ),
    (
        "awarded-date-without-timezone",
        _broken(lambda c: c.update(awardedDate="2026-01-15T09:30:00")),
        "$.awardedDate: '2026-01-15T09:30:00' is not a 'date-time'",
    ),
    (
        "proof-created-not-a-date",
        _broken(lambda c: c["proof"][0].update(created="yesterday")),
        "$.proof[0].created",
    ),
    ("proof-array-of-strings", _broken(lambda c: c.update(proof=["z123"])), "$.proof[0]"),
    (
        "type-as-a-string",
        _broken(lambda c: c.update(type="AchievementCredential")),
        "$.type",
    ),
    (
        "date-of-birth-not-a-date",
        _broken(lambda c: c["issuer"].update(dateOfBirth="01/02/1990")),
        "$.issuer.dateOfBirth",
    ),
]


@pytest.mark.parametrize(
    ("credential", "error"),
    [case[1:] for case in SCHEMA_FAILURES],
    ids=[case[0] for case in SCHEMA_FAILURES],
)
def test_schema_failure_names_the_json_path(credential: dict[str, Any], error: str) -> None:
    check = checks_by_name(credential)["schema"]
    assert check.outcome is Outcome.FAILED
    assert error in check.reason
    assert check.detail["errors"]


def test_schema_reports_only_the_first_few_errors() -> None:
    credential = achievement_credential()
    credential["credentialSubject"]["achievement"] = {"type": ["Achievement"]}
    credential["issuer"] = {"id": ISSUER}
    del credential["validFrom"], credential["id"]
    problems = schema_problems(credential)
    assert len(problems) == 5
    assert all(p.startswith("$") for p in problems)


def test_schema_accepts_mappings_that_are_not_dicts() -> None:
    from types import MappingProxyType

    credential = achievement_credential()
    credential["issuer"] = MappingProxyType(credential["issuer"])
    assert schema_problems(MappingProxyType(credential)) == []


def test_schema_reads_non_plain_values_as_their_json_copy() -> None:
    """Plain JSON is validated as is (no deep copy); anything else (tuples, non-str keys, other
    mappings) still goes through the JSON copy, with the same outcome as before."""
    credential = achievement_credential()
    assert validation._plain_json(credential)
    odd = copy.deepcopy(credential)
    odd["credentialSubject"]["achievement"]["tag"] = ("data", "statistics")
    assert not validation._plain_json(odd)
    assert schema_problems(odd) == schema_problems(credential) == []
    keyed = copy.deepcopy(credential)
    keyed["credentialSubject"]["achievement"][1] = "x"  # str(1) == "1": an allowed extra key
    assert not validation._plain_json(keyed)
    assert schema_problems(keyed) == []
    assert credential == achievement_credential()  # the caller's document is never edited


# --------------------------------------------------------------------------- issuer pre-checks


def test_validate_for_issue_lists_problems_from_every_rule() -> None:
    credential = achievement_credential()
    del credential["proof"]
    credential["credentialSubject"]["achievement"].pop("criteria")
    credential["validUntil"] = "2026-05-01T00:00:00Z"
    credential["issuer"]["id"] = "Example University"
    problems = validate_for_issue(credential, now=NOW)
    assert problems == [
        "issuer must be a URL or an object whose id is a URL",
        "validUntil is already past: expired at 2026-05-01T00:00:00Z",
        "schema: $.credentialSubject.achievement: 'criteria' is a required property",
    ]


def test_validate_for_issue_reports_dates_out_of_order() -> None:
    problems = validate_for_issue(vc2_credential(validFrom="2028-01-01T00:00:00Z"), now=NOW)
    assert problems == ["validFrom is after validUntil"]


def test_validate_for_issue_allows_a_future_valid_from() -> None:
    assert (
        validate_for_issue(
            vc2_credential(validUntil="2030-01-01T00:00:00Z"), now=datetime(2020, 1, 1, tzinfo=UTC)
        )
        == []
    )


def test_validate_for_issue_of_a_non_object() -> None:
    assert validate_for_issue([], now=NOW) == ["a credential must be a JSON object"]  # type: ignore[arg-type]


@pytest.mark.parametrize("function", [validation_checks, validate_for_issue])
def test_naive_now_is_misuse(function: Any) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        function(vc2_credential(), now=datetime(2026, 1, 1))


# ------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-01T00:00:00Z", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T01:30:00+01:30", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T00:00:00.123456789Z", datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)),
        ("2025-12-31T24:00:00Z", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T00:00:00-14:00", datetime(2026, 1, 1, 14, tzinfo=UTC)),
    ],
)
def test_xsd_datetimes_parse(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-01T00:00:00",
        "2026-01-01 00:00:00Z",
        "2026-01-01T00:00Z",
        "2026-01-01T24:00:01Z",
        "2026-01-01T00:00:00+15:00",
        "20260101T000000Z",
        "2026-01-01T00:00:00z",
        "",
    ],
)
def test_non_xsd_datetimes_do_not_parse(text: str) -> None:
    assert parse_datetime(text) is None


def test_zone_is_optional_only_when_asked() -> None:
    assert parse_datetime("2026-01-01T00:00:00", require_timezone=False) == datetime(
        2026, 1, 1, tzinfo=UTC
    )


@settings(max_examples=60, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9, minutes=30))]
        ),
    )
)
def test_format_then_parse_is_the_same_instant(moment: datetime) -> None:
    text = format_datetime(moment)
    assert text.endswith("Z")
    assert parse_datetime(text) == moment


def test_format_of_a_naive_datetime_is_misuse() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_datetime(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    "credential",
    [achievement_credential(), *(case[1] for case in SCHEMA_FAILURES)],
    ids=["valid", *(case[0] for case in SCHEMA_FAILURES)],
)
def test_compiled_schema_validator_agrees_with_jsonschema(credential: dict[str, Any]) -> None:
    """The fast path decides "valid"; it must never pass what the reference validator rejects."""
    fast, _ = validation._ob3_fast_validators()
    reference = validation._ob3_validator()
    document = json.loads(json.dumps(credential))
    assert fast.is_valid(document) == (not list(reference.iter_errors(document)))
