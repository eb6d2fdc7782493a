"""skillpass.platform: settings, event bus, MongoDB helpers, outbox, inbox, telemetry, app factory."""
