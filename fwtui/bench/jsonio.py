"""Typed reads from decoded JSON: the one place the engine's dataclasses turn untyped input into fields.

A child's events arrive as JSON lines, records may come back from a file: every ``from_dict`` reads its
fields through :class:`Fields`, which checks each value's type and names the field when it is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

JsonValue: TypeAlias = "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"
JsonObject: TypeAlias = "dict[str, JsonValue]"


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
