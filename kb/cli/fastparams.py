"""Typer parameter coercion without pydantic for kb's plain parameters (str, int, float, bool, lists).

typer 0.29 checks every parameter through a pydantic TypeAdapter; importing pydantic costs ~80 ms of every command's start, which `kb search`, `kb latest` and `kb show` cannot afford. Other types still go through typer's own path.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args, get_origin

from typer import _coercion, core
from typer._click.exceptions import BadParameter

_PLAIN = (str, int, float, bool)
_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off", ""}


@dataclass(frozen=True)
class PlainRuntimeParam(_coercion.RuntimeParam):
    """str/int/float/bool (or a list of one of them), with typer's min/max/clamp for numbers."""

    def _coerce_value(self, value: Any, param, ctx) -> Any:
        kind = self.annotation
        if get_origin(kind) is list:
            (item,) = get_args(kind)
            if not isinstance(value, (list, tuple)):
                value = [value]
            return [self._one(item, v, param, ctx) for v in value]
        return self._one(kind, value, param, ctx)

    def _one(self, kind: type, value: Any, param, ctx) -> Any:
        if kind is str:
            if isinstance(value, bytes):
                return value.decode("utf-8", "replace")
            return value if isinstance(value, str) else str(value)
        if kind is bool:
            if isinstance(value, bool):
                return value
            word = str(value).strip().lower()
            if word in _TRUE or word in _FALSE:
                return word in _TRUE
            raise BadParameter(f"{value!r} is not a valid boolean.", ctx=ctx, param=param)
        if isinstance(value, kind) and not isinstance(value, bool):
            number = value
        else:
            try:
                number = kind(value.strip() if isinstance(value, str) else value)
            except (TypeError, ValueError):
                name = "an integer" if kind is int else "a number"
                raise BadParameter(f"{value!r} is not {name}.", ctx=ctx, param=param) from None
        info = self.parameter_info
        low, high = info.min, info.max
        if info.clamp:
            if low is not None and number < low:
                return kind(low)
            if high is not None and number > high:
                return kind(high)
            return number
        if (low is not None and number < low) or (high is not None and number > high):
            bounds = " and ".join(
                b for b in (f">= {low}" if low is not None else "", f"<= {high}" if high is not None else "") if b
            )
            raise BadParameter(f"{number} is not {bounds}.", ctx=ctx, param=param)
        return number


def _is_plain(descriptor) -> bool:
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None or getattr(info, "click_type", None) is not None:
        return False
    kind = descriptor.annotation
    if get_origin(kind) is list:
        args = get_args(kind)
        return len(args) == 1 and args[0] in _PLAIN
    return kind in _PLAIN


_typer_build = core.build_runtime_param


def build_runtime_param(descriptor):
    if _is_plain(descriptor):
        return PlainRuntimeParam(annotation=descriptor.annotation, parameter_info=descriptor.parameter_info)
    return _typer_build(descriptor)


def install() -> None:
    """Route typer's parameters through PlainRuntimeParam where it suffices (idempotent)."""
    core.build_runtime_param = build_runtime_param
