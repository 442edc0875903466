"""Whatever bytes a model file holds, loading ends in a Model or an SbmlTwinError, nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sbmltwin.errors import SbmlTwinError
from sbmltwin.model import load_model

pytestmark = pytest.mark.integration

SBML_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">'

blobs = st.one_of(
    st.binary(max_size=400),
    st.binary(max_size=300).map(lambda b: SBML_HEAD + b),
    st.text(max_size=300).map(lambda t: ("model m\n" + t + "\nend").encode()),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=blobs, suffix=st.sampled_from([".xml", ".ant", ".omex", ".bin"]))
def test_arbitrary_bytes_never_escape_as_other_exceptions(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"m{suffix}"
        path.write_bytes(data)
        try:
            load_model(path)
        except SbmlTwinError as err:
            assert str(path) in str(err)
