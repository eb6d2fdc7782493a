"""entrypoints layer of the wallet service."""
