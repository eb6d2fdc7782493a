"""adapters layer of the issuer service."""
