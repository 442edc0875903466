"""Checks of a cohort's inputs against the model before any twin runs.

A typo in a population spec's ``[iiv]`` used to make every twin fail while the run exited 0
with nothing on stderr. Now the bindings and every ``[iiv]`` id are checked against the model
first, and a mistake is one :class:`~sbmltwin.errors.SbmlTwinError` (exit 2).
"""

from __future__ import annotations

import difflib

from sbmltwin.errors import ProfileError
from sbmltwin.model import Model
from sbmltwin.personalize import Bindings
from sbmltwin.personalize.bindings import validate_bindings

__all__ = ["check_cohort_inputs"]

_SETTABLE = ("parameter", "compartment", "species")


def check_cohort_inputs(
    model: Model, bindings: Bindings, iiv: tuple[str, ...], source: str
) -> None:
    """Raise when the bindings do not fit ``model`` or an ``[iiv]`` id cannot be set in it."""
    validate_bindings(bindings, model)
    settable = {
        e.sid
        for e in model.elements
        if e.kind in _SETTABLE and e.computed_by not in ("assignment rule", "initial assignment")
    }
    for sid in iiv:
        if sid in settable:
            continue
        kind = model.kind_of(sid)
        close = difflib.get_close_matches(sid, sorted(settable), n=3)
        raise ProfileError(
            f"[iiv] names '{sid}', which "
            + (f"is a {kind} the model computes" if kind else "the model does not have"),
            where=source,
            hint=f"did you mean {', '.join(close)}?" if close else "run 'sbmltwin info MODEL'",
        )
