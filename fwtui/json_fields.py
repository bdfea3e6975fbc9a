"""JSON values, and the two ways fwtui reads fields out of decoded JSON.

* **Strict** (:class:`Fields`): the engine's contracts (a child's events, result records, run specs, summary
  rows). Every ``from_dict`` reads its fields through it; a value of the wrong type raises ``ValueError`` naming
  the field, because a contract that does not hold is a bug to report, not data to guess at.
* **Tolerant** (the functions below :class:`Fields`): hardware reports read back from files written by older
  versions, from probe children and from the peak cache. A field that is missing or of the wrong kind reads as
  its default instead of failing the whole report.

``JsonValue`` and ``JsonObject`` are the one pair of JSON types for both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TypeAlias, TypeVar

JsonValue: TypeAlias = str | int | float | bool | list["JsonValue"] | dict[str, "JsonValue"] | None
JsonObject: TypeAlias = dict[str, JsonValue]

T = TypeVar("T")


# -- strict ---------------------------------------------------------------------------------------------


class Fields:
    """The fields of one JSON object; every getter raises ``ValueError`` naming a field of the wrong type.

    ``opt_*`` getters return None for a missing or null field; the others require the field unless a
    ``default`` is given.
    """

    def __init__(self, data: Mapping[str, object], what: str) -> None:
        if not isinstance(data, Mapping):
            raise ValueError(f"{what}: expected a JSON object, got {type(data).__name__}")
        self._data = data
        self._what = what

    def _bad(self, key: str, expected: str) -> ValueError:
        value = self._data.get(key)
        return ValueError(f"{self._what}: field {key!r} should be {expected}, not {value!r}"[:300])

    def has(self, key: str) -> bool:
        return self._data.get(key) is not None

    def text(self, key: str, default: str | None = None) -> str:
        value = self._data.get(key)
        if value is None and default is not None:
            return default
        if not isinstance(value, str):
            raise self._bad(key, "a string")
        return value

    def opt_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def integer(self, key: str, default: int | None = None) -> int:
        value = self._data.get(key)
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise self._bad(key, "a whole number")
        return value

    def opt_integer(self, key: str) -> int | None:
        return self.integer(key) if self.has(key) else None

    def number(self, key: str, default: float | None = None) -> float:
        value = self._data.get(key)
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._bad(key, "a number")
        return float(value)

    def opt_number(self, key: str) -> float | None:
        return self.number(key) if self.has(key) else None

    def opt_flag(self, key: str) -> bool | None:
        value = self._data.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self._bad(key, "true or false")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.opt_flag(key)
        return default if value is None else value

    def numbers(self, key: str) -> tuple[float, ...]:
        """A list of numbers; a missing or null field is empty."""
        value = self._data.get(key)
        if value is None:
            return ()
        if not isinstance(value, (list, tuple)) or any(
            isinstance(v, bool) or not isinstance(v, (int, float)) for v in value
        ):
            raise self._bad(key, "a list of numbers")
        return tuple(float(v) for v in value)

    def texts(self, key: str) -> tuple[str, ...]:
        """A list of strings; a missing or null field is empty."""
        value = self._data.get(key)
        if value is None:
            return ()
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise self._bad(key, "a list of strings")
        return tuple(value)

    def opt_object(self, key: str) -> JsonObject | None:
        value = self._data.get(key)
        if value is None:
            return None
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            raise self._bad(key, "a JSON object")
        return {str(k): json_value(v) for k, v in value.items()}

    def json_object(self, key: str) -> JsonObject:
        """A nested JSON object; a missing or null field is empty."""
        return self.opt_object(key) or {}

    def objects(self, key: str) -> list[Mapping[str, object]]:
        """A list of JSON objects; a missing or null field is empty."""
        value = self._data.get(key)
        if value is None:
            return []
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, Mapping) for v in value):
            raise self._bad(key, "a list of JSON objects")
        return list(value)


def json_value(value: object) -> JsonValue:
    """``value`` as JSON data (tuples become lists); anything JSON cannot hold raises ``ValueError``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    raise ValueError(f"not JSON data: {type(value).__name__}")


# -- tolerant -------------------------------------------------------------------------------------------


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

