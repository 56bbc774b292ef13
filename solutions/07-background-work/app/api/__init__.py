"""The HTTP layer: routers and request dependencies. Nothing below this package imports it."""
