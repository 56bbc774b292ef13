"""Version 1 of the public API: one router module per resource."""
