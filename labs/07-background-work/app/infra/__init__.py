"""Adapters to the outside world: the database, the notifier, password hashing."""
