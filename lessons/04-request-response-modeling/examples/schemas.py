from datetime import date

from pydantic import MISSING, BaseModel, ConfigDict, Field


# --8<-- [start:base]
class PatientBase(BaseModel):
    full_name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=320)
    date_of_birth: date
# --8<-- [end:base]


# --8<-- [start:children]
class PatientCreate(PatientBase):
    password: str = Field(min_length=12, max_length=128)


class PatientResponse(PatientBase):
    model_config = ConfigDict(from_attributes=True)

    id: int


class PatientChart(PatientResponse):
    internal_notes: str  # clinicians only: its own schema, its own routes
# --8<-- [end:children]


# --8<-- [start:update]
class PatientUpdate(BaseModel):
    full_name: str | MISSING = Field(MISSING, min_length=1, max_length=200)
    email: str | MISSING = Field(MISSING, max_length=320)
    phone: str | MISSING | None = MISSING  # null is a value: "no phone number"
# --8<-- [end:update]


# --8<-- [start:tidy]
class TidyBase(PatientBase):
    internal_notes: str = ""  # "Create and Chart both need it": one line saved


class TidyCreate(TidyBase):
    password: str = Field(min_length=12, max_length=128)


class TidyResponse(TidyBase):  # ...and every patient now reads the clinicians' notes
    model_config = ConfigDict(from_attributes=True)

    id: int
# --8<-- [end:tidy]


def fields(model: type[BaseModel]) -> list[str]:
    return sorted(model.model_fields)
