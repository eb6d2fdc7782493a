"""entrypoints layer of the issuer service."""
