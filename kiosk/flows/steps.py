"""The steps several flows share (a case to choose from, the list to choose it from, printing), and any step's
JSON form for the UI test harness."""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass

from kiosk.events import FlowStep


@dataclass(frozen=True)
class CaseChoice:
    """One of the applicant's cases as a flow offers it (no personal data: the case id, title and kind)."""

    case_id: str
    title: str = ""
    kind: str = ""
    status: str = ""

    @classmethod
    def of(cls, case) -> "CaseChoice":
        return cls(case.case_id, case.title, case.kind, getattr(case, "status", "") or "")


@dataclass(frozen=True, kw_only=True)
class ChooseCase(FlowStep):
    """The applicant chooses one of these cases (FlowAnswer choose <case_id>)."""

    cases: tuple[CaseChoice, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Printing(FlowStep):
    """The flow is printing; what it prints is said by the flow's screen."""


def step_from_json(data: dict) -> FlowStep:
    """A step from {"type": <step class name>, <field>: <value>...}: lists become tuples, and dicts become the small
    dataclasses a field holds (CaseChoice, FeeItem, a mortgage Application and its Party records), nested too. For drawing screens in tests (screens/control.py)."""
    fields = dict(data)
    name = fields.pop("type", None)
    cls = FlowStep.types.get(name)
    if cls is None:
        raise ValueError(f"unknown flow step {name!r}")
    hints = typing.get_type_hints(cls)
    return cls(**{key: _value(hints.get(key), value) for key, value in fields.items()})


def _value(hint, value):
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, dict):
        hints = typing.get_type_hints(hint)
        return hint(**{key: _value(hints.get(key), v) for key, v in value.items()})
    if typing.get_origin(hint) is tuple and isinstance(value, (list, tuple)):
        item = typing.get_args(hint)[0]
        return tuple(_value(item, v) for v in value)
    return value
