"""Shared paths of the helper's tests."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
"""The repository's root."""

FIXTURE = REPO / "tests" / "fixtures" / "live-protocol.json"
"""The example messages that the Rust tests read too."""
