"""Adapters to the outside world: the database engine and the tables."""
