"""docs/calibration.md shows what the model gives for every published target, and the targets the
model meets within their tolerance stay met."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sandbox import docs, params, targets

ROOT = Path(__file__).resolve().parent.parent
FACTS = ROOT.parent / "shared" / "domain" / "FACTS.md"


@pytest.fixture(scope="module")
def simulated():
    return targets.simulated_values()


def test_the_calibration_table_in_the_docs_is_current(simulated):
    text = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    fresh = docs.replace_block(text, "targets", targets.table_markdown(simulated), "docs/calibration.md")
    assert fresh == text, "docs/calibration.md is stale: run python -m sandbox.targets"


@pytest.mark.parametrize("target", [t for t in targets.targets() if t.asserted], ids=lambda t: t.key)
def test_an_asserted_target_is_met_within_its_tolerance(target, simulated):
    assert targets.within(target, simulated[target.key]), f"{target.figure}: simulated {simulated[target.key]:.4g}"


def test_every_target_says_how_it_is_compared_or_why_it_cannot_be():
    for t in targets.targets():
        assert t.source and t.figure
        if t.setting is None:
            assert t.note and t.read is None and not t.asserted, t.key
        else:
            assert t.read is not None, t.key
        if t.asserted:
            assert t.value is not None and (t.tolerance is not None or t.bound), t.key


@pytest.mark.skipif(not FACTS.exists(), reason="shared/domain/FACTS.md is not beside the checkout")
def test_every_observed_outcome_of_the_fact_sheet_has_a_row():
    text = FACTS.read_text(encoding="utf-8")
    section = text.split("## Observed outcomes")[1].split("\n## ")[0]
    rows = [
        line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| figure") and "---" not in line
    ]
    table = targets.table_markdown({}) + " ".join(t.figure + t.note for t in targets.targets())
    for row in rows:
        # every number of the fact sheet's row appears in some target
        numbers = [n for n in re.findall(r"\d[\d.,]*", row.split("|")[2]) if len(n.replace(".", "").replace(",", "")) >= 2]
        assert any(n in table for n in numbers), row


DEFAULTS = ROOT.parent / "shared" / "domain" / "DEFAULTS.md"


@pytest.mark.skipif(not DEFAULTS.exists(), reason="shared/domain/DEFAULTS.md is not beside the checkout")
def test_every_figure_of_the_national_defaults_is_a_target_row_or_the_cited_source_of_a_lever():
    text = DEFAULTS.read_text(encoding="utf-8")
    cited = targets.table_markdown({}) + " ".join(t.figure + t.note for t in targets.targets())
    cited += " ".join(f"{lv.source} {lv.plausible_source or ''}" for lv in params.registry().levers)
    missing = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) < 3 or cells[0] in ("figure", "level") or set(cells[0]) <= {"-"}:
            continue
        numbers = [
            n for n in re.findall(r"\d[\d.,]*\d|\d", " ".join(cells[1:-1])) if len(n.replace(".", "").replace(",", "")) >= 2
        ]
        if numbers and not any(n in cited for n in numbers):
            missing.append(cells[0])
    assert not missing, f"DEFAULTS.md figures with no target row and no lever citing them: {missing}"
