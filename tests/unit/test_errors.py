"""Errors carry where/what/hint, format on one line, and survive pickling (process pools)."""

from __future__ import annotations

import pickle

import pytest

import sbmltwin.errors as E

ERROR_CLASSES = [
    E.SbmlTwinError,
    E.ModelLoadError,
    E.InputSafetyError,
    E.ModelCheckError,
    E.UnsupportedSbmlFeatureError,
    E.UnitError,
    E.DosingError,
    E.SimulationError,
    E.GenotypeError,
    E.ProfileError,
    E.BindingError,
    E.CompoundError,
    E.ValidationDataError,
]


@pytest.mark.parametrize("cls", ERROR_CLASSES)
def test_pickle_round_trip_keeps_fields(cls: type[E.SbmlTwinError]) -> None:
    issue = E.Issue(E.Severity.ERROR, "preflight", "CSymbolDelay", "uses delay", 12, "J1")
    err = cls("bad thing", where="model.xml", hint="do this", issues=(issue,))
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls
    assert (back.what, back.where, back.hint, back.issues) == (
        "bad thing",
        "model.xml",
        "do this",
        (issue,),
    )
    assert str(back) == "model.xml: bad thing. Hint: do this"


def test_builtin_bases_for_value_errors() -> None:
    assert issubclass(E.UnitError, ValueError)
    assert issubclass(E.UnsupportedSbmlFeatureError, E.ModelCheckError)
    assert issubclass(E.InputSafetyError, E.ModelLoadError)


def test_message_without_where_or_hint() -> None:
    assert str(E.SbmlTwinError("plain")) == "plain"
    assert str(E.SbmlTwinError("ends with dot.", hint="h")) == "ends with dot. Hint: h"


def test_check_keys_names_every_unknown_key_and_the_allowed_ones() -> None:
    E.check_keys({"a": 1}, {"a", "b"}, error=E.BindingError, where="f.toml")  # none unknown
    with pytest.raises(E.BindingError) as one:
        E.check_keys({"a": 1, "zz": 2}, {"b", "a"}, error=E.BindingError, where="f.toml")
    assert str(one.value) == "f.toml: unknown key 'zz'. Hint: allowed: a, b"
    with pytest.raises(E.ValidationDataError) as two:
        E.check_keys(
            {"y": 1, "x": 2}, ("a",), error=E.ValidationDataError, where=None, what="group key"
        )
    assert str(two.value) == "unknown group keys 'x', 'y'. Hint: allowed: a"
