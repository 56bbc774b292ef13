"""Clinic: the booking API for patients, clinicians and appointments."""
