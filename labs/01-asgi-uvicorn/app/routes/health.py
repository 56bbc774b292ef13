"""Liveness for the load balancer: answers as long as the process can serve requests."""

from fastapi import APIRouter

from app.models import Health

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> Health:
    return Health()
