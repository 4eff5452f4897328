"""Checks a simulator response against Gong's published OpenAPI schemas (../shared)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

OPENAPI = Path(__file__).resolve().parents[1].parent / "shared" / "gong-openapi.json"
NULLABLE: set[str] = set()  # no field the simulator emits may be null
JSON_TYPES = {
    "string": str,
    "boolean": bool,
    "array": list,
    "object": dict,
    "integer": int,
    "number": (int, float),
}


def assert_matches(value: object, schema: dict, spec: dict, where: str = "$") -> None:
    """Every emitted field exists in ``schema`` with the declared JSON type (and enum)."""
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if value is None:
        assert where.rsplit(".", 1)[-1] in NULLABLE, f"{where} is null"
        return
    expected = schema.get("type")
    if expected:
        ok = isinstance(value, JSON_TYPES[expected]) and not (
            expected in ("integer", "number") and isinstance(value, bool)
        )
        assert ok, f"{where}: {value!r} is not {expected}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key, item in value.items():
            assert key in properties, f"{where}.{key} is not in the schema"
            assert_matches(item, properties[key], spec, f"{where}.{key}")
    elif isinstance(value, list):
        for k, item in enumerate(value):
            assert_matches(item, schema.get("items", {}), spec, f"{where}[{k}]")


def load_spec() -> dict:
    """The OpenAPI document; the test is skipped where ../shared is not checked out."""
    if not OPENAPI.exists():
        pytest.skip(f"{OPENAPI} not found")
    return json.loads(OPENAPI.read_text())
