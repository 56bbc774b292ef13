"""Patients as the API sees them: what a client sends to register (Create), to change a
record (Update), and what it gets back (Response; Record for clinicians). The three share
PatientBase and its rules; none of them is the table."""

import re
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.schemas.fields import IsoDate

FullName = Annotated[str, Field(min_length=1, max_length=200)]
Email = Annotated[str, Field(min_length=3, max_length=320)]
Phone = Annotated[str, Field(max_length=32, examples=["+44 20 7946 0958"])]
Password = Annotated[str, Field(min_length=8, max_length=200)]
InternalNotes = Annotated[str, Field(max_length=5000)]
# The insurer's member number, as on the patient's card. It goes into the insurer's URLs.
MemberId = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{4,32}$", examples=["NHI-00412345"])]

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
# E.164: a plus and 8 to 15 digits; people write spaces, dots, dashes and brackets between them.
PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
PHONE = re.compile(r"\+[1-9][0-9]{7,14}")
# Fields the table cannot hold empty: a PATCH may leave them out, never send them as null.
REQUIRED_COLUMNS = ("full_name", "email", "date_of_birth", "sms_reminders")


class PatientBase(BaseModel):
    full_name: FullName
    email: Email
    date_of_birth: IsoDate
    phone: Phone | None = None
    sms_reminders: bool = True
    insurance_member_id: MemberId | None = None

    @field_validator("email")
    @classmethod
    def email_is_an_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not EMAIL.fullmatch(value):
            raise ValueError("not an email address")
        return value.lower()

    @field_validator("phone")
    @classmethod
    def phone_is_international(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = PHONE_SEPARATORS.sub("", value)
        if not PHONE.fullmatch(digits):
            raise ValueError("not a phone number: a + and the country code, then 8 to 15 "
                             "digits in all")
        return digits


class PatientCreate(PatientBase):
    # Strict: JSON types as the OpenAPI schema states them.
    model_config = ConfigDict(strict=True)

    password: Password


class PatientUpdate(PatientBase):
    """Only the fields sent change. The phone and the member id may be sent as null (none);
    the others cannot be empty."""

    model_config = ConfigDict(strict=True)

    full_name: FullName | None = None
    email: Email | None = None
    date_of_birth: IsoDate | None = None
    phone: Phone | None = None
    sms_reminders: bool | None = None
    insurance_member_id: MemberId | None = None

    @model_validator(mode="after")
    def no_nulls(self) -> Self:
        nulls = [name for name in REQUIRED_COLUMNS
                 if name in self.model_fields_set and getattr(self, name) is None]
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null")
        return self

    def changes(self) -> dict[str, object]:
        return self.model_dump(exclude_unset=True)


class PatientResponse(PatientBase):
    model_config = ConfigDict(from_attributes=True)

    id: int


class PatientRecord(PatientResponse):
    """A patient as clinicians see them: with the notes patients never see."""

    internal_notes: str


class NotesUpdate(BaseModel):
    model_config = ConfigDict(strict=True)

    internal_notes: InternalNotes
