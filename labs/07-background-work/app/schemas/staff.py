"""Staff accounts as the staff side and the admins see them."""

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.domain.roles import Role
from app.schemas.fields import UtcDatetime

FullName = Annotated[str, Field(min_length=1, max_length=200)]
Specialty = Annotated[str, Field(min_length=1, max_length=100)]
Email = Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
Password = Annotated[str, Field(min_length=8, max_length=200)]
# Not strict: FastAPI validates the decoded JSON, where a role is still text.
RoleName = Annotated[Role, Field(strict=False)]


class StaffCreate(BaseModel):
    model_config = ConfigDict(strict=True)

    full_name: FullName
    specialty: Specialty
    email: Email
    password: Password
    role: RoleName = Role.CLINICIAN


class StaffUpdate(BaseModel):
    """Only the fields sent change. A field sent as null is refused: none of them can be empty."""

    model_config = ConfigDict(strict=True)

    full_name: FullName | None = None
    specialty: Specialty | None = None
    email: Email | None = None
    role: RoleName | None = None

    @model_validator(mode="after")
    def no_nulls(self) -> Self:
        nulls = sorted(name for name in self.model_fields_set if getattr(self, name) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null")
        return self

    def changes(self) -> dict[str, object]:
        return self.model_dump(exclude_unset=True)


class StaffResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    full_name: str
    specialty: str
    email: str
    role: Role
    is_active: bool
    created_at: UtcDatetime
