"""Write validation/dextromethorphan/<Study>.toml + .csv from ../shared/clinical/dextromethorphan.

Run from the repository root: ``python tools/build_dxm_cases.py [SHARED_DIR]``. The observed numbers
are copied unchanged; this script only selects data sets, converts doses to free base and writes
the case files. Studies, groups, populations and roles are decided in the table below.

Virtual trials (README "Groups as virtual trials"): a group whose study n is known gets the same
``trial = {...}`` as the other library drugs (``clinical_cases.trial_spec``: min(n, 24) twins,
seed 1). The n is the ``n`` column of the group's time-course rows; studies.tsv and the time
courses give no sex, age or weight, so the model's population spec decides those.
"""

import csv
import sys
from pathlib import Path

import pandas as pd
from clinical_cases import trial_spec

SH = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared") / "clinical" / "dextromethorphan"
OUT = Path("validation/dextromethorphan")
studies = pd.read_csv(SH / "studies.tsv", sep="\t", dtype=str).fillna("").set_index("study")
HBR = 271.4 / 370.3  # DXM HBr monohydrate -> free base
TRAINING = {"Schadel1995", "Qiu2016"}
PM = {"genotype": {"CYP2D6": "*4/*4"}}


def AS(x):
    return {"genotype": {"CYP2D6": {"activity_score": x}}}


def EM(population):
    """A phenotyped (or unphenotyped healthy-volunteer) 'EM' group: all non-PM genotypes."""
    return {"mixture": {"gene": "CYP2D6", "population": population, "exclude_phenotypes": ["PM"]}}


EU, EA = EM("European"), EM("East Asian")
MW = {
    "dextromethorphan": "271.4 g/mol",
    "dextrorphan": "257.37 g/mol",
    "dextrorphan_glucuronide": "433.5 g/mol",
}
IDS = {
    "dextromethorphan": "[C_ven_dxm]",
    "dextrorphan": "[C_dxo]",
    "dextrorphan_glucuronide": "[C_dxog]",
}
# study -> (dose mg HBr, end h,
#           groups: [(group, dataset substring, molecule, output, profile, description)],
#           ratios: [(test group, reference group)] of AUC)
C = {
    "Qiu2016": (
        15,
        24,
        [
            ("AS2", "AS=2", "Dextromethorphan", "dextromethorphan", AS(2.0), "NM, AS 2, n=6"),
            (
                "AS1_25",
                "AS=1.25",
                "Dextromethorphan",
                "dextromethorphan",
                AS(1.25),
                "NM, AS 1.25, n=6",
            ),
            ("AS0_5", "AS=0.5", "Dextromethorphan", "dextromethorphan", AS(0.5), "IM, AS 0.5, n=6"),
        ],
        [("AS0_5", "AS2"), ("AS1_25", "AS2")],
    ),
    "Yamazaki2017": (
        30,
        24,
        [
            (
                "AS2",
                "AS=2",
                "Dextromethorphan",
                "dextromethorphan",
                AS(2.0),
                "NM, AS 2, n=11 (data-set name says 'dextrorphan' but Molecule/MW and values are DXM)",
            ),
            (
                "AS0_5",
                "AS=0.5",
                "Dextromethorphan",
                "dextromethorphan",
                AS(0.5),
                "IM, AS 0.5 (*10/*10-type), n=12",
            ),
        ],
        [("AS0_5", "AS2")],
    ),
    "Schadel1995": (
        30,
        48,
        [
            (
                "PM",
                "PM,",
                "Dextromethorphan",
                "dextromethorphan",
                PM,
                "PM (phenotyped), n=4; mapped to *4/*4 (AS 0)",
            ),
            (
                "EM",
                "EM,",
                "Dextrorphan",
                "dextrorphan",
                EU,
                "EM (phenotyped, Toronto), n=5; European non-PM mixture; free DXO",
            ),
            (
                "EM",
                "EM,",
                "Dextrorphan-O-glucuronide",
                "dextrorphan_glucuronide",
                EU,
                "EM (phenotyped, Toronto), n=5; European non-PM mixture; DXO-O-glucuronide",
            ),
        ],
        [],
    ),
    "Gorski2004": (
        30,
        24,
        [
            (
                "EM",
                "EM, dextromethorphan",
                "Dextromethorphan",
                "dextromethorphan",
                EU,
                "EM (phenotyped, USA), n=11; European non-PM mixture",
            ),
            (
                "PM",
                "PM,",
                "Dextromethorphan",
                "dextromethorphan",
                PM,
                "PM, n=1; mapped to *4/*4 (AS 0)",
            ),
        ],
        [("PM", "EM")],
    ),
    "Gazzaz2018": (
        30,
        24,
        [
            (
                "AS1_25",
                "AS=1.25",
                "Dextromethorphan",
                "dextromethorphan",
                AS(1.25),
                "NM, AS 1.25 (as labelled upstream), n=30, cocktail",
            )
        ],
        [],
    ),
    "Zawertailo2009": (
        None,
        24,
        [
            (
                "AS2",
                "3 mg/kg dextromethorphan",
                "Dextromethorphan",
                "dextromethorphan",
                dict(AS(2.0), weight="70 kg"),
                "NM, AS 2, n=6; 3 mg/kg DXM HBr, 70 kg assumed",
            )
        ],
        [],
    ),
    "Tenneze1999": (
        30,
        24,
        [
            (
                "EM",
                "dextromethorphan",
                "Dextromethorphan",
                "dextromethorphan",
                EU,
                "EM (phenotyped, France), n=36; European non-PM mixture",
            )
        ],
        [],
    ),
    "Nakashima2007": (
        30,
        24,
        [
            (
                "EM",
                "30 mg dextromethorphan",
                "Dextromethorphan",
                "dextromethorphan",
                EA,
                "EM (Japan), n=24; East Asian non-PM mixture (DXM arm only)",
            )
        ],
        [],
    ),
    "Feld2013": (
        60,
        48,
        [
            (
                "EM",
                "EM, dextromethorphan",
                "Dextromethorphan",
                "dextromethorphan",
                EU,
                "EM (cancer patients, North America), n=17; European non-PM mixture",
            )
        ],
        [],
    ),
    "Edwards2017": (
        30,
        72,
        [
            (
                "EM",
                "EM,",
                "Dextromethorphan",
                "dextromethorphan",
                EU,
                "EM (healthy adults), n=48; European non-PM mixture",
            )
        ],
        [],
    ),
    "Nyunt2008": (
        30,
        24,
        [
            (
                "EM",
                "EM,",
                "Dextromethorphan",
                "dextromethorphan",
                EU,
                "EM (USA), n=12, cocktail; European non-PM mixture",
            )
        ],
        [],
    ),
    "Sager2014": (
        30,
        24,
        [
            (
                "EM",
                "EM, dextromethorphan",
                "Dextromethorphan",
                "dextromethorphan",
                EU,
                "EM (USA), n=10, cocktail; European non-PM mixture",
            )
        ],
        [],
    ),
    "Dumond2010": (
        30,
        24,
        [
            (
                "EM",
                "EM,",
                "Dextromethorphan",
                "dextromethorphan",
                EU,
                "EM (USA), n=23, cocktail; European non-PM mixture",
            )
        ],
        [],
    ),
    "Stage2018": (
        30,
        24,
        [
            (
                "EM",
                "EM,",
                "Dextromethorphan",
                "dextromethorphan",
                EU,
                "EM (Denmark), n=12, cocktail; European non-PM mixture",
            )
        ],
        [],
    ),
    "Armani2017": (
        30,
        24,
        [
            (
                "EM",
                "EM,",
                "Dextromethorphan",
                "dextromethorphan",
                EU,
                "EM (healthy adults), n=20, cocktail; European non-PM mixture",
            )
        ],
        [],
    ),
    "Ermer2015": (
        30,
        24,
        [
            (
                "EM",
                "EM, dextromethorphan",
                "Dextromethorphan",
                "dextromethorphan",
                EU,
                "EM (healthy adults), n=30, cocktail; European non-PM mixture",
            )
        ],
        [],
    ),
    "Khalilieh2018": (
        30,
        24,
        [
            (
                "EM",
                "EM,",
                "Dextromethorphan",
                "dextromethorphan",
                EU,
                "EM (psoriasis patients), n=20, cocktail; European non-PM mixture",
            )
        ],
        [],
    ),
    "Kakuda2014": (
        30,
        24,
        [
            (
                "EM",
                "EM,",
                "Dextromethorphan",
                "dextromethorphan",
                EU,
                "EM (healthy adults), n=14, cocktail; European non-PM mixture",
            )
        ],
        [],
    ),
}


def toml_val(v):
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_val(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(toml_val(x) for x in v) + "]"
    if isinstance(v, str):
        return '"' + v.replace('"', "'") + '"'
    return repr(v)


for study, (mg, end, groups, ratios) in C.items():
    tc = pd.read_csv(SH / "timecourses" / f"{study}.tsv", sep="\t")
    row = studies.loc[study]
    if study == "Zawertailo2009":
        base = 3 * 70 * HBR
        dose_note = (
            "3 mg/kg DXM HBr monohydrate x 70 kg (assumed) = 210 mg salt = 153.9 mg free base"
        )
    else:
        base = mg * HBR
        dose_note = f"{mg} mg DXM HBr monohydrate x 271.4/370.3 = {base:.2f} mg free base"
    rows = []
    sizes: dict[str, set[float]] = {}  # group -> the study n of its data sets
    for g, sub, mol, out, _prof, _desc in groups:
        d = tc[tc.dataset.str.contains(sub, regex=False) & (tc.molecule == mol)]
        if study == "Gorski2004" and g == "EM":
            d = d[d.phenotype == "EM"]
        assert len(d), (study, g, mol)
        sizes.setdefault(g, set()).update(d.n.dropna().astype(float))
        for _, r in d.sort_values("time_h").iterrows():
            sd = "" if pd.isna(r.error) or r.error == 0 else r.error
            if sd != "" and r.error_unit != r.value_unit:  # express sd in the value's unit
                sd = r.error_mg_per_l / r.value_mg_per_l * r.value if r.value_mg_per_l else ""
            rows.append([g, out, r.time_h, "h", r.value, r.value_unit, sd])
    with open(OUT / f"{study}.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["group", "output", "time", "time_unit", "value", "value_unit", "sd"])
        w.writerows(rows)
    role = "training" if study in TRAINING else "validation"
    doi = row["doi"]
    L = [
        "schema_version = 1",
        f'id = "{study}"',
        f'source = "doi:{doi}"'
        if doi
        else f'source = "{row["source_repo"]}@{row["source_commit"]} ({row["source_path"]}, ObservedData)"',
        f"citation = {toml_val(row['reference'] or 'see studies.tsv')}",
        'model = "dextromethorphan"',
        f'role = "{role}"',
        "",
        "[regimen]",
        f"# {dose_note}",
        f'doses = ["{base:.2f} mg oral"]',
        f'end = "{end} h"',
        "",
    ]
    seen = set()
    for g, _sub, _mol, _out, prof, desc in groups:
        if g in seen:
            continue
        seen.add(g)
        L += [f"[groups.{g}]", f"description = {toml_val(desc)}"]
        if "mixture" in prof:
            L.append(f"mixture = {toml_val(prof['mixture'])}")
        else:
            L.append(f"profile = {toml_val(prof)}")
        assert len(sizes[g]) <= 1, (study, g, sizes[g])  # one n per group
        trial = trial_spec(next(iter(sizes[g]), None))
        if trial is not None:
            L.append(f"trial = {toml_val(trial)}")
        L.append("")
    L += ["[observed]", f'file = "{study}.csv"', "", "[outputs]"]
    for out in dict.fromkeys(x[3] for x in groups):
        L.append(f'{out} = {{ id = "{IDS[out]}", molecular_weight = "{MW[out]}" }}')
    L += ["", "[acceptance]", "fold = 2.0"]
    if ratios:
        L.append(
            "ratios = ["
            + ", ".join(
                f'{{ numerator = "{a}", denominator = "{b}", metric = "AUC", output = "dextromethorphan" }}'
                for a, b in ratios
            )
            + "]"
        )
    (OUT / f"{study}.toml").write_text("\n".join(L) + "\n")
    print(study, role, len(rows))
