"""The Strimzi resources match the event catalogue and the consumers: a topic per stream, a DLQ
per consumer group, a user per service with least-privilege ACLs, read-only partners."""

from __future__ import annotations

from typing import Any

from skillpass.platform import events
from skillpass.platform.events import CREDENTIALS_TOPIC, EventSpec, dlq_topic
from tests.k8s.manifests import COMPONENT, NAME, Manifest, Rendered, containers, env_of, labels

CATALOGUE_TOPICS = {spec.topic for spec in vars(events).values() if isinstance(spec, EventSpec)}


def _topics(rendered: Rendered) -> dict[str, Manifest]:
    return {t["spec"]["topicName"]: t for t in rendered.of_kind("KafkaTopic")}


def _acls(user: Manifest) -> list[dict[str, Any]]:
    acls: list[dict[str, Any]] = user["spec"]["authorization"]["acls"]
    return acls


def _allowed(user: Manifest, resource_type: str, name: str, operation: str) -> bool:
    for acl in _acls(user):
        resource = acl["resource"]
        if acl.get("type", "allow") != "allow" or resource["type"] != resource_type:
            continue
        pattern = resource.get("name", "")
        matches = (
            name.startswith(pattern)
            if resource.get("patternType") == "prefix"
            else pattern in (name, "*")
        )
        if matches and (operation in acl["operations"] or "All" in acl["operations"]):
            return True
    return False


def _config(rendered: Rendered, deployment: Manifest) -> dict[str, str]:
    (container,) = containers(deployment)
    (source,) = container["envFrom"]
    config_map = rendered.get("ConfigMap", source["configMapRef"]["name"])
    assert config_map is not None
    data: dict[str, str] = config_map["data"]
    return data


def test_every_topic_of_the_event_catalogue_is_declared(rendered: Rendered) -> None:
    assert set(_topics(rendered)) >= CATALOGUE_TOPICS


def test_every_consumer_group_has_its_dead_letter_topics_declared(rendered: Rendered) -> None:
    consumers = [d for d in rendered.skillpass_deployments() if labels(d)[COMPONENT] == "consumer"]
    declared = _topics(rendered)
    for consumer in consumers:
        annotations = consumer["metadata"]["annotations"]
        group = annotations["skillpass.io/consumer-group"]
        prefix = f"SKILLPASS_{labels(consumer)[NAME].upper()}_"
        assert _config(rendered, consumer)[f"{prefix}CONSUMER_GROUP"] == group
        for topic in annotations["skillpass.io/consumes"].split(","):
            assert topic in declared
            assert dlq_topic(topic, group) in declared, f"no DLQ for {group} on {topic}"


def test_topics_are_replicated_within_the_brokers_and_keep_a_write_quorum(
    rendered: Rendered,
) -> None:
    brokers = sum(
        pool["spec"]["replicas"]
        for pool in rendered.of_kind("KafkaNodePool")
        if "broker" in pool["spec"]["roles"]
    )
    for topic in rendered.of_kind("KafkaTopic"):
        replicas = topic["spec"]["replicas"]
        min_insync = int(topic["spec"]["config"]["min.insync.replicas"])
        assert replicas <= brokers, topic["metadata"]["name"]
        # acks=all keeps working with one replica down whenever there is more than one.
        assert min_insync == 1 if replicas == 1 else min_insync < replicas
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "skillpass"


def test_kafka_authenticates_every_client_over_tls_and_authorizes_with_acls(
    rendered: Rendered,
) -> None:
    (kafka,) = rendered.of_kind("Kafka")
    for listener in kafka["spec"]["kafka"]["listeners"]:
        assert listener["tls"] is True
        assert listener["authentication"]["type"] in ("scram-sha-512", "tls")
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    assert kafka["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False


def test_each_service_connects_as_its_own_kafka_user(rendered: Rendered) -> None:
    users = {u["metadata"]["name"]: u for u in rendered.of_kind("KafkaUser")}
    for deployment in rendered.skillpass_deployments():
        username = _config(rendered, deployment)["KAFKA_SASL_USERNAME"]
        assert username == f"{labels(deployment)[NAME]}-kafka"
        assert username in users
        (container,) = containers(deployment)
        password = env_of(container)["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert password == {"name": username, "key": "password"}  # the User Operator's Secret


def test_services_write_only_their_own_streams_and_dead_letters(rendered: Rendered) -> None:
    topics = set(_topics(rendered))
    for user in rendered.of_kind("KafkaUser"):
        if labels(user).get("app.kubernetes.io/part-of") != "skillpass":
            continue
        service = labels(user)[NAME]
        writable = {t for t in topics if _allowed(user, "topic", t, "Write")}
        for topic in writable:
            own_stream = topic.startswith(f"{service}.") and not topic.endswith(".dlq")
            own_dlq = topic.endswith(".dlq") and topic.split(".")[-2].startswith(f"{service}-")
            assert own_stream or own_dlq, f"{service} may write {topic}"


def test_consumers_may_read_what_they_consume_in_their_own_group(rendered: Rendered) -> None:
    users = {u["metadata"]["name"]: u for u in rendered.of_kind("KafkaUser")}
    for consumer in rendered.skillpass_deployments():
        if labels(consumer)[COMPONENT] != "consumer":
            continue
        user = users[f"{labels(consumer)[NAME]}-kafka"]
        annotations = consumer["metadata"]["annotations"]
        group = annotations["skillpass.io/consumer-group"]
        assert _allowed(user, "group", group, "Read")
        for topic in annotations["skillpass.io/consumes"].split(","):
            assert _allowed(user, "topic", topic, "Read")
            assert _allowed(user, "topic", dlq_topic(topic, group), "Write")


def test_partners_may_only_read_the_issuance_stream_in_their_own_groups(
    rendered: Rendered,
) -> None:
    for user in rendered.of_kind("KafkaUser"):
        name = user["metadata"]["name"]
        if not name.startswith("partner-"):
            continue
        for acl in _acls(user):
            resource = acl["resource"]
            if resource["type"] == "topic":
                assert (resource["name"], resource.get("patternType", "literal")) == (
                    CREDENTIALS_TOPIC,
                    "literal",
                )
                assert set(acl["operations"]) <= {"Read", "Describe"}
            else:
                assert resource["type"] == "group", name
                assert resource["name"].startswith(f"{name}-")
                assert set(acl["operations"]) == {"Read"}
