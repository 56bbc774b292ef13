"""The lab's own OpenAPI document as a map of its operations, so a check can visit every route a
rule covers instead of a list written by hand (which would miss the route a learner adds).

    for operation in operations(spec):
        url = operation.url(patient_id=42)
        body = example(operation.body, spec, {"patient_id": 42})

`example` builds a minimal valid JSON value for a schema: required properties only, values
from `values` by property name first, then from the schema (enums, formats, length and range
limits). Enough for the request bodies of a CRUD service, not a general generator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # the template: /api/v1/patients/{patient_id}
    path_params: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()  # required header parameters, as named in the document
    body: dict[str, Any] | None = None  # the request body's JSON schema, if it takes one
    responses: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def documents(self, status: int) -> bool:
        """Does the document say this operation can answer `status`?"""
        return any(key in self.responses for key in (str(status), f"{str(status)[0]}XX", "default"))

    def matches(self, method: str, url: str) -> bool:
        pattern = re.sub(r"\\\{(\w+)(?::\w+)?\\\}", "[^/]+", re.escape(self.path))
        return method.upper() == self.method and re.fullmatch(pattern, url.split("?")[0]) is not None

    def url(self, **values: object) -> str:
        return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(values[m.group(1)]), self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def operations(spec: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in sorted(spec.get("paths", {}).items()):
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            params = [*item.get("parameters", []), *operation.get("parameters", [])]
            path_params = tuple(p["name"] for p in params if p.get("in") == "path")
            headers = tuple(p["name"] for p in params
                            if p.get("in") == "header" and p.get("required"))
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            found.append(Operation(method.upper(), path, path_params, headers, body,
                                   operation.get("responses", {})))
    return found


def operation_for(spec: dict[str, Any], method: str, url: str) -> Operation | None:
    """The operation of the document that serves `method url` (a concrete URL)."""
    return next((op for op in operations(spec) if op.matches(method, url)), None)


def resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def example(schema: dict[str, Any] | None, spec: dict[str, Any],
            values: dict[str, Any] | None = None) -> Any:
    """A minimal valid value for `schema`; `values` answers properties by name."""
    values = values or {}
    if schema is None:
        return None
    schema = resolve(schema, spec)
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            options = [s for s in schema[combined] if resolve(s, spec).get("type") != "null"]
            return example(options[0], spec, values)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {name: values[name] if name in values else example(properties[name], spec, values)
                for name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    text = {"date": "1990-01-01", "date-time": "2031-01-01T09:00:00", "email": "x@example.org"}
    value = text.get(schema.get("format", ""), "x")
    return value.ljust(int(schema.get("minLength", 1)), "x")
