"""The HTTP layer: routers, request dependencies. Nothing below this package imports it."""
