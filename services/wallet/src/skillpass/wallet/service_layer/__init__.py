"""service_layer layer of the wallet service."""
