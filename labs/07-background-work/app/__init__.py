"""Clinic: a booking API for patients, clinicians and appointments, with a staff side."""
