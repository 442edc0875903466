"""libsbml's checkConsistency and libroadrunner segfaulted on rateOf() applied to nothing."""

from __future__ import annotations

import pytest

from tests.regression._helpers import clean_error

pytestmark = pytest.mark.integration

RATEOF = (
    '<apply><csymbol encoding="text" '
    'definitionURL="http://www.sbml.org/sbml/symbols/rateOf"> rateOf </csymbol></apply>'
)


@pytest.mark.parametrize("command", [["check"], ["simulate", "--end", "1"]])
def test_rateof_without_argument_is_refused(command, tiny_text, write) -> None:
    text = tiny_text.replace("<ci> S1 </ci></apply>", f"<ci> S1 </ci>{RATEOF}</apply>")
    path = write("rateof.xml", text)
    clean_error([command[0], str(path), *command[1:]], "rateOf() applied to 0 arguments")
