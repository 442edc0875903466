"""libroadrunner segfaulted compiling a model whose id has 20,000 characters (10,000 survive)."""

from __future__ import annotations

import pytest

from tests.regression._helpers import clean_error

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("attribute", ['id="tiny"', 'id="k1"'])
def test_ids_longer_than_1024_characters_are_refused(attribute, tiny_text, write) -> None:
    key, value = attribute.split("=")
    long = value[:-1] + "x" * 20_000 + '"'
    text = tiny_text.replace(attribute, f"{key}={long}", 1)
    path = write("longid.xml", text)
    clean_error(["simulate", str(path), "--end", "1"], "20", "characters long (limit 1024)")
