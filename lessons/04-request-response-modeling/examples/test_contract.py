from inline_snapshot import snapshot
from versioning import app


def patient_contract(openapi: dict) -> dict:
    """Each operation's answers, and every schema a patient is sent as."""
    operations = {
        f"{method.upper()} {path}": sorted(operation["responses"])
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
    }
    schemas = {
        name: schema
        for name, schema in openapi["components"]["schemas"].items()
        if name.startswith("Patient")
    }
    return {"operations": operations, "schemas": schemas}


# --8<-- [start:test]
def test_the_patient_contract_holds() -> None:
    assert patient_contract(app.openapi()) == snapshot(
        {
            "operations": {
                "GET /api/v1/patients/{patient_id}": ["200", "422"],
                "GET /api/v2/patients/{patient_id}": ["200", "422"],
            },
            "schemas": {
                "PatientV1": {
                    "properties": {
                        "id": {"type": "integer", "title": "Id"},
                        "given_name": {"type": "string", "title": "Given Name"},
                        "family_name": {"type": "string", "title": "Family Name"},
                        "full_name": {
                            "type": "string",
                            "title": "Full Name",
                            "description": "Use given_name and family_name.",
                            "deprecated": True,
                        },
                    },
                    "type": "object",
                    "required": ["id", "given_name", "family_name", "full_name"],
                    "title": "PatientV1",
                },
                "PatientV2": {
                    "properties": {
                        "id": {"type": "integer", "title": "Id"},
                        "given_name": {"type": "string", "title": "Given Name"},
                        "family_name": {"type": "string", "title": "Family Name"},
                    },
                    "type": "object",
                    "required": ["id", "given_name", "family_name"],
                    "title": "PatientV2",
                },
            },
        }
    )


# --8<-- [end:test]
