"""Field types the request schemas share: values JSON can carry and the database can hold."""

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

# SQLite keeps an integer in at most 8 bytes, signed. A larger id names no row, and the
# driver refuses to send it at all (OverflowError, a 500), so the contract refuses it: a 422.
SQLITE_INTEGER_MIN = -(2**63)
SQLITE_INTEGER_MAX = 2**63 - 1

RowId = Annotated[int, Field(ge=SQLITE_INTEGER_MIN, le=SQLITE_INTEGER_MAX)]


def iso_8601_text(value: object) -> object:
    # JSON has no date type: the schema says a date is a string. Pydantic would also read a
    # number as a Unix timestamp (0 is 1970-01-01); the API refuses it rather than guess.
    if isinstance(value, int | float):
        raise ValueError("expected an ISO 8601 string")
    return value


# Not strict, even in a strict model: FastAPI validates the decoded JSON, where a time is
# still text, and a strict datetime takes datetime objects only.
IsoDate = Annotated[date, Field(strict=False), BeforeValidator(iso_8601_text)]
IsoDatetime = Annotated[datetime, Field(strict=False), BeforeValidator(iso_8601_text)]


def in_utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def wall_clock(value: datetime) -> datetime:
    return value.replace(tzinfo=None)


# What the database stamps (created_at, updated_at) is UTC, stored without saying so; an answer
# says it, as an RFC 3339 date-time must.
UtcDatetime = Annotated[datetime, AfterValidator(in_utc)]
# An appointment's times are the clinic's wall clock, as the table keeps them: no offset to
# give, so the contract states that shape instead of a date-time.
LocalDatetime = Annotated[datetime, AfterValidator(wall_clock), WithJsonSchema({
    "type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$",
    "description": "The clinic's local time, without a UTC offset.",
    "examples": ["2031-05-05T09:00:00"]})]
