"""Patients as the API sees them: what a client sends to register (Create), to change a
record (Update), and what it gets back (Response; Record for clinicians). The three share
PatientBase and its rules; none of them is the table."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.fields import IsoDate

FullName = Annotated[str, Field(min_length=1, max_length=200)]
Email = Annotated[str, Field(min_length=3, max_length=320)]
Phone = Annotated[str, Field(max_length=32, examples=["+44 20 7946 0958"])]
Password = Annotated[str, Field(min_length=8, max_length=200)]
InternalNotes = Annotated[str, Field(max_length=5000)]


class PatientBase(BaseModel):
    full_name: FullName
    email: Email
    date_of_birth: IsoDate
    phone: Phone | None = None
    sms_reminders: bool = True


class PatientCreate(PatientBase):
    # Strict: JSON types as the OpenAPI schema states them.
    model_config = ConfigDict(strict=True)

    password: Password


class PatientUpdate(PatientBase):
    """Only the fields sent change. The phone may be sent as null (no phone); the others
    cannot be empty."""

    model_config = ConfigDict(strict=True)

    full_name: FullName | None = None
    email: Email | None = None
    date_of_birth: IsoDate | None = None
    phone: Phone | None = None
    sms_reminders: bool = True

    def changes(self) -> dict[str, object]:
        return self.model_dump(exclude_none=True)


class PatientResponse(PatientBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    password_hash: str
    internal_notes: str


class PatientRecord(PatientBase):
    """A patient as clinicians see them: with the notes patients never see."""

    id: int
    internal_notes: str


class NotesUpdate(BaseModel):
    model_config = ConfigDict(strict=True)

    internal_notes: InternalNotes
