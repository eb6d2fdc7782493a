"""adapters layer of the wallet service."""
