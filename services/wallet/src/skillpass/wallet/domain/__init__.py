"""domain layer of the wallet service."""
