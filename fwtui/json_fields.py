"""JSON values and tolerant readers for data from outside the process.

Hardware reports are read back from files written by older versions, from probe children and from the peak
cache: a field that is missing or of the wrong kind reads as its default instead of failing the whole report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TypeAlias, TypeVar

JsonValue: TypeAlias = str | int | float | bool | list["JsonValue"] | dict[str, "JsonValue"] | None
JsonObject: TypeAlias = dict[str, JsonValue]

T = TypeVar("T")


def to_json(value: object) -> JsonValue:
    """A dataclass (fields in declaration order), mapping or sequence as plain JSON values; anything that is
    not JSON becomes its text, as ``json.dumps(default=str)`` would write it."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def json_object(data: object) -> Mapping[str, object]:
    """``data`` if it is a JSON object, else an empty one."""
    if isinstance(data, Mapping):
        return {str(key): value for key, value in data.items()}
    return {}


def text(data: Mapping[str, object], key: str, default: str = "") -> str:
    value = data.get(key)
    return value if isinstance(value, str) else default


def optional_text(data: Mapping[str, object], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def flag(data: Mapping[str, object], key: str) -> bool:
    value = data.get(key)
    return value if isinstance(value, bool) else False


def optional_int(data: Mapping[str, object], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def integer(data: Mapping[str, object], key: str, default: int = 0) -> int:
    value = optional_int(data, key)
    return default if value is None else value


def number(value: object) -> float | None:
    """A JSON number as a float (an integer written by another tool included); None for anything else."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def optional_float(data: Mapping[str, object], key: str) -> float | None:
    return number(data.get(key))


def texts(data: Mapping[str, object], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list | tuple):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def items(data: Mapping[str, object], key: str, parse: Callable[[object], T]) -> tuple[T, ...]:
    """A list of JSON objects, each parsed; anything that is not an object is skipped."""
    value = data.get(key)
    if not isinstance(value, list | tuple):
        return ()
    return tuple(parse(item) for item in value if isinstance(item, Mapping))


def text_map(data: Mapping[str, object], key: str) -> dict[str, str]:
    return {name: value for name, value in json_object(data.get(key)).items() if isinstance(value, str)}


def optional_text_map(data: Mapping[str, object], key: str) -> dict[str, str | None]:
    return {
        name: value
        for name, value in json_object(data.get(key)).items()
        if value is None or isinstance(value, str)
    }


def json_map(data: Mapping[str, object], key: str) -> JsonObject:
    return {name: to_json(value) for name, value in json_object(data.get(key)).items()}

