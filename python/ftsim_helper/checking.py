"""The protocol's strict validation: a JSON value checked against a type (TypedDict,
Literal, list, dict, union, scalar) and a request's arguments parsed into their dataclass,
every problem a CommandError naming the path."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, Union


class CommandError(Exception):
    """An error reported to the client as {"ok": false, "error": ...}."""


_TYPE_NAMES = {
    bool: "bool",
    int: "int",
    float: "number",
    str: "string",
    dict: "object",
    list: "array",
    type(None): "null",
}


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(t) for t in typing.get_args(tp))
    if origin is Literal:
        return " or ".join(repr(v) for v in typing.get_args(tp))
    if origin is not None:
        return _TYPE_NAMES.get(origin, str(origin))
    if _is_typeddict(tp):
        return "object"
    return _TYPE_NAMES.get(tp, getattr(tp, "__name__", str(tp)))


def _is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")


def _fail(path: str, tp: Any, value: Any) -> CommandError:
    return CommandError(f"{path}: expected {_type_name(tp)}, found {type(value).__name__}")


def check(tp: Any, value: Any, path: str = "value") -> Any:
    """`value` checked against the type `tp` (int, float, str, bool, None, Any, Optional,
    Union, Literal, list[T], dict[str, T] or a TypedDict, whose unknown keys are errors):
    returned as is, but JSON integers where a number is expected become floats. Raises
    CommandError naming the path and the problem."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        for alt in args:
            try:
                return check(alt, value, path)
            except CommandError:
                continue
        raise _fail(path, tp, value)
    if origin is Literal:
        if any(type(value) is type(v) and value == v for v in args):
            return value
        raise _fail(path, tp, value)
    if tp is type(None) or tp is None:
        if value is None:
            return None
        raise _fail(path, tp, value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise _fail(path, tp, value)
    if isinstance(value, bool):  # JSON true/false is no number
        raise _fail(path, tp, value)
    if tp is float and isinstance(value, (int, float)):
        return float(value)
    if tp in (int, str) and isinstance(value, tp):
        return value
    if origin is list and isinstance(value, list):
        return [check(args[0], v, f"{path}[{i}]") for i, v in enumerate(value)]
    if origin is dict and isinstance(value, dict):
        return {k: check(args[1], v, f"{path}.{k}") for k, v in value.items()}
    if _is_typeddict(tp) and isinstance(value, dict):
        return _check_typeddict(tp, value, path)
    raise _fail(path, tp, value)


def _check_typeddict(tp: Any, value: dict[str, Any], path: str) -> dict[str, Any]:
    hints = typing.get_type_hints(tp)
    unknown = sorted(set(value) - set(hints))
    if unknown:
        raise CommandError(f"{path}: unknown field(s): {', '.join(unknown)}")
    missing = sorted(k for k in tp.__required_keys__ if k not in value)
    if missing:
        raise CommandError(f"{path}: missing field(s): {', '.join(missing)}")
    return {k: check(hints[k], v, f"{path}.{k}") for k, v in value.items()}


T = typing.TypeVar("T")


def parse_args(cls: type[T], req: dict[str, Any]) -> T:
    """The arguments of request `req` (a JSON object with "id" and "cmd") as the dataclass
    `cls`: unknown or missing arguments and wrong types are CommandErrors."""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    extra = sorted(set(req) - set(fields) - {"id", "cmd"})
    if extra:
        raise CommandError(f"unknown argument(s): {', '.join(extra)}")
    values: dict[str, Any] = {}
    for name, field in fields.items():
        if name in req:
            values[name] = check(hints[name], req[name], f"argument {name!r}")
        elif field.metadata.get("required") or (
            field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        ):
            raise CommandError(f"missing argument {name!r}")
    return cls(**values)


RESERVED_RESOURCES = ("CPU", "GPU", "memory", "object_store_memory")
"""Ray's own resource names, which a custom resource may not take."""


def check_resources(num_gpus: float, memory: int | None, resources: dict[str, float]) -> None:
    """CommandError unless the GPUs, memory (bytes; None: Ray measures it) and custom
    resources of a pod or a replica are amounts Ray accepts: none negative or infinite, no
    custom resource named as one of Ray's own."""
    if not 0 <= num_gpus < float("inf") or (memory is not None and memory < 0):
        raise CommandError("num_gpus and memory must be finite and >= 0")
    for name, amount in resources.items():
        if not name or name in RESERVED_RESOURCES:
            raise CommandError(
                f"resources: {name!r} is not a custom resource name (Ray's own:"
                f" {', '.join(RESERVED_RESOURCES)})"
            )
        if not 0 <= amount < float("inf"):
            raise CommandError(f"resources.{name}: must be finite and >= 0 (got {amount})")
