"""skillpass.platform: settings, event bus, MongoDB, outbox, inbox, telemetry, app factory."""
