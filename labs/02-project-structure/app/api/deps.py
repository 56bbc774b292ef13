"""Request-scoped dependencies, as `Annotated` aliases so signatures read like sentences."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.schemas.fields import RowId


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

# A stand-in for authentication until chapter 05: the caller says who they are.
CurrentPatientId = Annotated[
    RowId, Header(alias="X-Patient-Id", description="The calling patient (demo identity).")
]
