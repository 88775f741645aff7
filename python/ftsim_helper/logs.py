"""The helper's log (stderr) and the redaction of secrets: the Redis password never
appears in a response, a log line or an error message."""

from __future__ import annotations

import sys
import time
from typing import Any

_SECRETS: list[str] = []


def add_secret(secret: str) -> None:
    """From now on, `secret` is replaced by [REDACTED] wherever this module redacts."""
    _SECRETS.append(secret)


def redact(text: str) -> str:
    """`text` with every secret replaced by [REDACTED]."""
    for s in _SECRETS:
        if s:
            text = text.replace(s, "[REDACTED]")
    return text


def redact_obj(obj: Any) -> Any:
    """A JSON value with every string in it redacted (dict keys are kept)."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        return {k: redact_obj(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [redact_obj(v) for v in obj]
    return obj


def log(msg: str) -> None:
    """One redacted log line on stderr."""
    try:
        sys.stderr.write(f"ftsim-helper {time.strftime('%H:%M:%S')}: {redact(msg)}\n")
        sys.stderr.flush()
    except Exception:
        pass
