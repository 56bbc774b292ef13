"""The API contract: what clients send and what they get back."""
