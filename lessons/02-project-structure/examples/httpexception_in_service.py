from fastapi import HTTPException

PATIENTS = {1: "Ada Byrne"}


def get_patient_name(patient_id: int) -> str:
    if patient_id not in PATIENTS:
        raise HTTPException(status_code=404, detail="Patient not found")
    return PATIENTS[patient_id]


def reminder_lines(patient_ids: list[int]) -> list[str]:
    return [f"Reminder for {get_patient_name(pid)}" for pid in patient_ids]
