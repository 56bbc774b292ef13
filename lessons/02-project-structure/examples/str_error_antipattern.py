import sqlite3

from fastapi import FastAPI

app = FastAPI()
database = sqlite3.connect(":memory:", check_same_thread=False)


@app.post("/appointments/{appointment_id}/cancel")
def cancel_appointment(appointment_id: int) -> dict[str, str]:
    try:
        database.execute(
            "UPDATE appointments SET status = 'cancelled' WHERE id = ?",
            (appointment_id,),
        )
    except Exception as e:
        return {"error": str(e)}
    return {"status": "cancelled"}
