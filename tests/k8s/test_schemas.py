"""Every rendered object is valid against its schema, offline: built-in kinds against the
Kubernetes OpenAPI schemas bundled by kubernetes-validate (strict: unknown fields are errors), on
the oldest and newest Kubernetes we support; Strimzi kinds against the CRD schemas Strimzi ships."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.k8s.manifests import KUBERNETES_VERSIONS, STRIMZI_KINDS, Rendered, schema_errors


def _describe(manifest: Mapping[str, Any]) -> str:
    return f"{manifest['kind']}/{manifest['metadata']['name']}"


@pytest.mark.parametrize("kubernetes_version", KUBERNETES_VERSIONS)
def test_every_builtin_object_matches_the_kubernetes_schema(
    rendered: Rendered, kubernetes_version: str
) -> None:
    builtin = [o for o in rendered.objects if not o["apiVersion"].startswith("kafka.strimzi.io/")]
    errors = {
        _describe(o): found for o in builtin if (found := schema_errors(o, kubernetes_version))
    }
    assert errors == {}


def test_every_strimzi_object_matches_its_crd_schema(
    rendered: Rendered, strimzi_schemas: Mapping[str, Any]
) -> None:
    strimzi = [o for o in rendered.objects if o["apiVersion"].startswith("kafka.strimzi.io/")]
    assert {o["kind"] for o in strimzi} == set(STRIMZI_KINDS)
    errors = {_describe(o): found for o in strimzi if (found := schema_errors(o, "unused"))}
    assert errors == {}


def test_the_crd_check_catches_a_misspelt_field(strimzi_schemas: Mapping[str, Any]) -> None:
    topic = {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaTopic",
        "metadata": {"name": "t"},
        "spec": {"partitions": 3, "replica": 3},
    }
    assert schema_errors(topic, "unused") == [
        "spec: Additional properties are not allowed ('replica' was unexpected)"
    ]


def test_the_kubernetes_check_catches_a_misspelt_field() -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s"},
        "spec": {"selector": {"a": "b"}, "port": [{"port": 80}]},
    }
    (error,) = schema_errors(service, KUBERNETES_VERSIONS[0])
    assert error.startswith("spec: Additional properties are not allowed ('port' was unexpected)")
