from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException


def current_staff(x_staff: Annotated[str | None, Header()] = None) -> str:
    if x_staff is None:
        raise HTTPException(401, "Sign in first.",
                            headers={"WWW-Authenticate": "Bearer"})
    return x_staff


def require_admin(staff: Annotated[str, Depends(current_staff)]) -> str:
    if not staff.startswith("admin:"):
        raise HTTPException(403, "Admins only.")
    return staff


# --8<-- [start:routers]
public = APIRouter(prefix="/clinicians")
staff = APIRouter(prefix="/staff", dependencies=[Depends(current_staff)])
admin = APIRouter(prefix="/admin", dependencies=[Depends(require_admin)])


@public.get("")
async def list_clinicians() -> list[str]:
    return ["Dr Ama Osei"]


@staff.get("/me")
async def read_me(me: Annotated[str, Depends(current_staff)]) -> dict:
    return {"me": me}


@admin.post("/staff/{staff_id}/deactivate")
async def deactivate(staff_id: int) -> dict:
    return {"deactivated": staff_id}
# --8<-- [end:routers]


app = FastAPI()
for router in (public, staff, admin):
    app.include_router(router)
