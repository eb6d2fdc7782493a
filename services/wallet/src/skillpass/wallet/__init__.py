"""skillpass.wallet service."""
