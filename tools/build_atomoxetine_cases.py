"""Write validation/atomoxetine/ from ../shared/clinical/atomoxetine (OSP time courses).

Run from the repository root: ``python tools/build_atomoxetine_cases.py [SHARED_DIR]``. The observed
numbers are copied unchanged. Studies, groups, profiles and roles are decided in the table below and
follow model_library/atomoxetine/README.md (the protocol, committed before any model existed).
Doses are atomoxetine free base (capsule strengths are stated as base).
"""

import sys
from pathlib import Path

import pandas as pd
from clinical_cases import (
    Case,
    Group,
    StudyEntry,
    osp_n,
    osp_rows,
    trial_spec,
    write_case,
    write_index,
)

DRUG = "atomoxetine"
SH = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared") / "clinical" / DRUG
OUT = Path("validation") / DRUG
TRAINING = {"Kim2018"}  # protocol: genotyped single dose, largest smallest genotype group
# the builder's plasma output for compound id "atx" (sbmltwin build: C_plasma_<id>)
OUTPUTS = {"atomoxetine": ("C_plasma_atx", "255.36 g/mol")}


def AS(x: float) -> dict:
    return {"genotype": {"CYP2D6": {"activity_score": x}}}


PM = {"genotype": {"CYP2D6": "*4/*4"}}


def non_pm(population: str) -> dict:
    return {"gene": "CYP2D6", "population": population, "exclude_phenotypes": ["PM"]}


SOURCES = {
    "Kim2018": (
        "doi:10.1038/s41598-018-30841-8",
        "Kim SH, Byeon JY, Kim YH, et al. Physiologically based pharmacokinetic modelling of "
        "atomoxetine with regard to CYP2D6 genotypes. Sci Rep. 2018;8:12405.",
    ),
    "Todor2016": (
        "pmid:27518170",
        "Todor I, Popa A, Neag M, et al. Evaluation of a potential metabolism-mediated drug-drug "
        "interaction between atomoxetine and bupropion in healthy volunteers. J Pharm Pharm Sci. "
        "2016;19(2). (reference period: atomoxetine alone)",
    ),
    "Sauer2002": (
        "doi:10.1124/dmd.31.1.98",
        "Sauer JM, Ponsler GD, Mattiuz EL, et al. Disposition and metabolic fate of atomoxetine "
        "hydrochloride: the role of CYP2D6 in human disposition and metabolism. Drug Metab Dispos. "
        "2003;31(1):98-107.",
    ),
    "Nakano2016": (
        "doi:10.1007/s40261-016-0430-y",
        "Nakano M, Witcher J, Satoi Y, Goto T. Pharmacokinetic profile and palatability of "
        "atomoxetine oral solution in healthy Japanese male adults. Clin Drug Investig. "
        "2016;36(11):903-911. PMID 27444039.",
    ),
    "Belle2002": (
        "doi:10.1177/009127002762491307",
        "Belle DJ, Ernest CS, Sauer JM, et al. Effect of potent CYP2D6 inhibition by paroxetine on "
        "atomoxetine pharmacokinetics. J Clin Pharmacol. 2002;42(11):1219-1227. (atomoxetine-alone "
        "period; DOI not re-checked)",
    ),
}

# study -> (doses, end h, dose note, [(group, data-set substring, profile|None, mixture|None, description)],
#           ratios [(numerator, denominator)])
C = {
    "Kim2018": (
        ["20 mg oral"],
        24,
        "20 mg atomoxetine (free base) single oral dose",
        [
            ("AS0_5", "AS=0.5", AS(0.5), None, "IM, CYP2D6 *10/*10 (AS 0.5), n=8, Korean"),
            ("AS2", "AS=2", AS(2.0), None, "NM, AS 2, n=11, Korean"),
        ],
        [("AS0_5", "AS2")],
    ),
    "Todor2016": (
        ["25 mg oral"],
        48,
        "25 mg atomoxetine single oral dose (reference period, no bupropion)",
        [
            ("PM", "(PM)", PM, None, "PM, n=2; mapped to *4/*4 (AS 0)"),
            (
                "NM",
                "(NM)",
                None,
                non_pm("European"),
                "NM as labelled upstream, n=18 (Romanian); genotype classes not reported → "
                "European non-PM mixture",
            ),
        ],
        [("PM", "NM")],
    ),
    "Sauer2002": (
        ["20 mg oral every 12h x11"],
        312,
        "20 mg twice daily for 5 days, then the 20 mg (14C) dose on the morning of day 6 (t = 120 h); "
        "dose times inferred from the sampling (troughs at 108/120 h, peak at 121-122 h)",
        [
            ("PM", "(PM)", PM, None, "PM, n=3; mapped to *4/*4 (AS 0)"),
            ("EM", "(EM)", None, non_pm("European"), "EM (USA), n=4; European non-PM mixture"),
        ],
        [],  # steady-state windows differ (EM to 156 h, PM to 312 h): no ratio until common windows
    ),
    "Nakano2016": (
        ["50 mg oral"],
        18,
        "50 mg atomoxetine single oral dose; solution and capsule in crossover (same subjects)",
        [
            (
                "solution",
                "po solution",
                None,
                non_pm("East Asian"),
                "oral solution; Japanese men genotyped CYP2D6 EM (incl. IM and UM), n=42; "
                "East Asian non-PM mixture",
            ),
            (
                "capsule",
                "po casules",
                None,
                non_pm("East Asian"),
                "capsules; same 42 subjects; East Asian non-PM mixture",
            ),
        ],
        [],
    ),
    "Belle2002": (
        ["20 mg oral every 12h x9"],
        120,
        "20 mg twice daily, last dose at 96 h (atomoxetine-alone period; dose times inferred from the "
        "sampling: troughs at 72/84/96 h, peak at 97 h)",
        [("EM", "(EM)", None, non_pm("European"), "EM (USA), n=22; European non-PM mixture")],
        [],
    ),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    studies = pd.read_csv(SH / "studies.tsv", sep="\t", dtype=str).fillna("")
    assert set(studies["study"]) == set(C), "a study in ../shared is neither used nor left out"
    dropped: list[str] = []
    entries = []
    for study, (doses, end, note, groups, ratios) in C.items():
        tc = pd.read_csv(SH / "timecourses" / f"{study}.tsv", sep="\t")
        source, citation = SOURCES[study]
        case = Case(
            id=study,
            model=DRUG,
            source=source,
            citation=citation,
            role="training" if study in TRAINING else "validation",
            doses=doses,
            end_h=end,
            dose_note=note,
            groups=[],
            outputs=OUTPUTS,
            ratios=[(a, b, "atomoxetine") for a, b in ratios],
        )
        for name, sub, profile, mixture, desc in groups:
            d = tc[tc.dataset.str.contains(sub, regex=False) & (tc.molecule == "Atomoxetine")]
            assert len(d), (study, name)
            trial = trial_spec(osp_n(d))
            case.groups.append(Group(name, desc, profile or {}, mixture, mixture is None, trial))
            case.rows += osp_rows(d, name, "atomoxetine", dropped, study)
        write_case(OUT, case)
        entries.append(
            StudyEntry(
                study,
                case.role,
                source,
                [f"{study}.toml", f"{study}.csv"],
                f"{'; '.join(doses)} (0–{end} h)",
                "; ".join(f"{g.name}: {g.description}" for g in case.groups),
            )
        )
        print(study, case.role, len(case.rows))
    write_index(
        OUT,
        DRUG,
        entries,
        header=HEADER,
        dropped=dropped,
        left_out=[("Byeon2015", "held back by the lead (not in ../shared)")],
    )


HEADER = """
Written by `tools/build_atomoxetine_cases.py ../shared` from `../shared/clinical/atomoxetine`
(OSP Atomoxetine-Model ObservedData, digitised from the cited papers; GPL-2.0 redistribution).
Protocol (training vs validation, group mapping): `model_library/atomoxetine/README.md`.

* **No model yet.** The cases name `model = "atomoxetine"` (`model_library/atomoxetine/model.xml`, to be
  built by the PBPK builder, issue 14). The output id `C_plasma_atx` is what `sbmltwin build` names the
  venous plasma concentration of a compound with `id = "atx"` (the compound file must use that id). Until the model exists `sbmltwin demo` and
  `sbmltwin validate` (no paths) skip these cases and say so.
* Doses are atomoxetine free base. Groups labelled EM/NM without a reported genotype class are
  CYP2D6 population mixtures (non-PM classes of the study population), reported apart from
  genotype-defined groups.
* Multiple-dose cases (Sauer2002, Belle2002) are observed from 72–108 h on. The current case runner
  computes AUC from 0 with (0, 0) prepended, so their AUC is meaningful only once issue 15's common
  windows exist (window = the observed interval); no ratio is declared for them yet.
* `studies.csv` lists every study with its role, source and files (machine-readable).
"""

if __name__ == "__main__":
    main()
