"""Stage 4b: whole-body PBPK models from compound files (``sbmltwin build``).

A compound file (TOML) states a drug's properties, each number with its source;
:func:`build_model` turns it into SBML L3V2 (declared units, SBO terms, notes naming sources),
a bindings file and a README parameter table. Physiology (ICRP 89 scaling, Rodgers & Rowland
partition coefficients, GFR reference, Child-Pugh factors) comes from :mod:`sbmltwin.physiology`.
"""

from __future__ import annotations

from sbmltwin.build.compound import Compound, load_compound, parse_compound
from sbmltwin.build.files import write_outputs
from sbmltwin.build.pbpk import TISSUES, BuiltModel, build_model

__all__ = [
    "TISSUES",
    "BuiltModel",
    "Compound",
    "build_model",
    "load_compound",
    "parse_compound",
    "write_outputs",
]
