"""Field types the request schemas share: values JSON can carry and the database can hold."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BeforeValidator, Field

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
