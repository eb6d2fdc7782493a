"""Repository-wide pytest setup: real Kafka / MongoDB-wire fixtures for every test tree."""

pytest_plugins = ["skillpass.platform.testing.plugin"]
