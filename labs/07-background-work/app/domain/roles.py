"""What a member of staff may do: clinicians see their own schedule, admins manage staff."""

from enum import StrEnum


class Role(StrEnum):
    CLINICIAN = "clinician"
    ADMIN = "admin"
