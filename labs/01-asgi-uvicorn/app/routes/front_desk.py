"""The front-desk tablet: a patient checks in, the desk gets their queue ticket back at once."""

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from app.records import ClinicRecords
from app.tickets import TicketDispenser

router = APIRouter(tags=["front desk"])


@router.websocket("/ws/front-desk")
async def front_desk(websocket: WebSocket) -> None:
    records: ClinicRecords = websocket.app.state.records
    tickets: TicketDispenser = websocket.app.state.tickets
    await websocket.accept()
    try:
        while True:
            check_in = await websocket.receive_json()
            patient_id = check_in.get("patient_id") if isinstance(check_in, dict) else None
            patient = records.patient(patient_id) if isinstance(patient_id, int) else None
            if patient is None:
                await websocket.send_json({"error": {
                    "code": "patient_not_found",
                    "message": f"Patient {patient_id} does not exist.",
                }})
                continue
            await websocket.send_json({"ticket": tickets.next_ticket(), "patient_id": patient.id,
                                       "full_name": patient.full_name})
    except WebSocketDisconnect:
        pass
