"""Request models: frozen dataclasses whose fields each declare themselves once.

A field's name, type, default and help text are written once, with :func:`option`; from that
one definition a model can describe itself as JSON Schema (for an MCP server or a web form),
parse a flat mapping of strings (a URL query string, MCP arguments) and check its own
per-field rules (choices, a minimum) when it is built. Rules that tie fields together stay
in the model's ``__post_init__``. Plain dataclasses rather than pydantic: the few types used
here need a page of code, not a dependency that every ``import gong_search`` would pay for.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from .dates import parse_when
from .errors import GongSearchError

M = TypeVar("M")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


class Request:
    """What every request model answers by itself (a dataclass base with no fields):
    its JSON Schema, for an MCP tool or a web form, and how to build it from a flat mapping
    of strings (a URL query string, MCP arguments), failing with the model's ``error``."""

    error: ClassVar[type[GongSearchError]] = GongSearchError

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """Every option with its type, default and help."""
        return json_schema(cls)

    @classmethod
    def from_mapping(cls: type[M], mapping: Mapping[str, Any]) -> M:
        return from_mapping(cls, mapping, cls.error)  # type: ignore[attr-defined]


def option(
    default: Any,
    help: str,
    *,
    flag: str | None = None,
    choices: tuple[str, ...] = (),
    minimum: float | None = None,
    maximum: float | None = None,
) -> Any:
    """A model field: ``flag`` is the CLI spelling that error messages name (users of every
    front end read the same message), ``choices``/``minimum``/``maximum`` its own rules."""
    meta = {"help": help, "flag": flag, "choices": choices, "minimum": minimum, "maximum": maximum}
    return dataclasses.field(default=default, metadata=meta)


def flag_of(model: Any, name: str) -> str:
    """How a field is named to people: its CLI flag, else the field name."""
    return _field(type(model), name).metadata.get("flag") or name


def help_of(cls: type, name: str) -> str:
    """A field's help text, for a front end that declares its own option (the CLI)."""
    return _field(cls, name).metadata["help"]


def check_fields(model: Any, error: type[GongSearchError]) -> None:
    """Each field's own rules: its type (tuples from any list), choices and bounds."""
    hints = typing.get_type_hints(type(model))
    for f in dataclasses.fields(model):
        if "help" not in f.metadata:
            continue  # a plain field: nothing of its own to check
        value = getattr(model, f.name)
        kind, optional = _kind(hints[f.name])
        if value is None and optional:
            continue
        if kind is tuple and isinstance(value, list):
            value = tuple(value)
            object.__setattr__(model, f.name, value)
        _check_value(flag_of(model, f.name), value, kind, f.metadata, error)


def _check_value(flag: str, value: Any, kind: type, meta: Mapping, error: type) -> None:
    if not _is_a(value, kind):
        raise error(f"{flag} must be {_TYPE_WORDS[kind]}, not {value!r}")
    for item in value if kind is tuple else (value,):
        if meta["choices"] and item not in meta["choices"]:
            raise error(f"{flag} must be {_either(meta['choices'])}, not {item!r}")
        if not _within(item, meta["minimum"], meta["maximum"]):
            raise error(_bounds_message(flag, item, meta["minimum"], meta["maximum"]))


def _within(value: Any, low: float | None, high: float | None) -> bool:
    """nan and inf are outside every bound: they would surface much later as a traceback
    (a timedelta overflow) or a silent no-op."""
    if low is None and high is None:
        return True
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def _bounds_message(flag: str, value: Any, low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{flag} must be a number from {low:g} to {high:g}, not {value!r}"
    if low == 0:
        return f"{flag} must not be negative"
    return f"{flag} must be at least {low:g}, not {value!r}"


def _is_a(value: Any, kind: type) -> bool:
    if kind is tuple:
        return isinstance(value, tuple) and all(isinstance(v, str) for v in value)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def json_schema(cls: type) -> dict[str, Any]:
    """The model's fields as a JSON Schema object, each with its help as description."""
    hints = typing.get_type_hints(cls)
    properties = {f.name: _property(f, hints[f.name]) for f in dataclasses.fields(cls)}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": cls.__name__,
        "description": (cls.__doc__ or "").strip().splitlines()[0],
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }


def _property(f: dataclasses.Field, hint: Any) -> dict[str, Any]:
    kind, optional = _kind(hint)
    prop: dict[str, Any] = {"description": f.metadata["help"], **copy.deepcopy(_SCHEMA_TYPES[kind])}
    if optional:
        prop["type"] = [prop["type"], "null"]
    choices = f.metadata["choices"]
    if choices:
        (prop["items"] if kind is tuple else prop)["enum"] = list(choices)
    for bound in ("minimum", "maximum"):
        if f.metadata[bound] is not None:
            prop[bound] = f.metadata[bound]
    default = f.default
    prop["default"] = list(default) if isinstance(default, tuple) else default
    if isinstance(default, datetime):
        prop["default"] = default.isoformat()
    return prop


def from_mapping(cls: Callable[..., M], mapping: Mapping[str, Any], error: type) -> M:
    """A model from strings (``limit="5"``, ``speakers="ana,bo"`` or a list): what a URL
    query string or an MCP call gives. Unknown names and unparsable values are ``error``."""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    values = {}
    for name, raw in mapping.items():
        if name not in fields:
            raise error(f"unknown option {name!r} (known: {', '.join(fields)})")
        flag = fields[name].metadata.get("flag") or name
        values[name] = _parse(flag, raw, *_kind(hints[name]), error)
    return cls(**values)


def _parse(flag: str, raw: Any, kind: type, optional: bool, error: type) -> Any:
    if not isinstance(raw, str):
        return tuple(raw) if kind is tuple and isinstance(raw, list) else raw
    if optional and raw == "":
        return None
    if kind is bool:
        if raw.lower() not in _TRUE + _FALSE:
            raise error(f"{flag} must be true or false, not {raw!r}")
        return raw.lower() in _TRUE
    if kind is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if kind is datetime:
        return parse_when(raw, option=flag)
    try:
        return kind(raw)
    except ValueError:
        raise error(f"{flag} must be {_TYPE_WORDS[kind]}, not {raw!r}") from None


def _kind(hint: Any) -> tuple[type, bool]:
    """(the base type, whether None is allowed) of ``int``, ``int | None``, ``tuple[str, ...]``."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        base = next(a for a in args if a is not type(None))
        return _kind(base)[0], True
    return (typing.get_origin(hint) or hint), False


def _field(cls: type, name: str) -> dataclasses.Field:
    return {f.name: f for f in dataclasses.fields(cls)}[name]


def _either(choices: tuple[str, ...]) -> str:
    return ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else choices[0]


_TYPE_WORDS = {
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    str: "text",
    tuple: "a list of text",
    datetime: "a date",
    Path: "a path",
}
_SCHEMA_TYPES: dict[type, dict[str, Any]] = {
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
    str: {"type": "string"},
    tuple: {"type": "array", "items": {"type": "string"}},
    datetime: {"type": "string", "format": "date-time"},
    Path: {"type": "string"},
}
