"""skillpass.gateway: the Strawberry GraphQL gateway."""
