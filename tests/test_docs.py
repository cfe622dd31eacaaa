"""The docs agree with the code: the generated blocks of README.md and docs/model.md match the
lever registry and the preset files, and every lever is documented in both languages."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import docs
from sandbox.params import GROUPS, REGISTRY

ROOT = Path(__file__).resolve().parent.parent


def test_readme_and_model_doc_are_in_sync_with_the_registry_and_presets():
    stale = docs.update_docs(check=True, root=ROOT)
    assert not stale, "stale generated docs (run `python -m sandbox.docs`):\n" + "\n".join(stale)


def test_both_doc_files_hold_the_generated_lever_table():
    for rel in ("README.md", "docs/model.md"):
        text = (ROOT / rel).read_text(encoding="utf-8")
        assert docs.start_marker("levers") in text and docs.end_marker("levers") in text, rel


def test_the_readme_lists_the_presets_between_markers():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert docs.start_marker("scenarios") in text and docs.end_marker("scenarios") in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_lever_table_has_one_row_per_lever_under_its_group(lang):
    table = docs.lever_table_markdown(lang)
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == len(REGISTRY)
    for lv in REGISTRY:
        assert f"| `{lv.path}` |" in table
        assert (lv.label_en if lang == "en" else lv.label_zh) in table
    for en, zh in GROUPS.values():
        assert en in table and zh in table


def test_the_scenario_list_names_every_preset_file():
    listing = docs.scenario_list_markdown()
    for f in (ROOT / "scenarios").glob("*.toml"):
        assert f"| `{f.stem}` |" in listing


def test_the_check_finds_a_stale_block_and_a_rewrite_fixes_it(tmp_path):
    for rel in docs.DOC_FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    readme = tmp_path / "README.md"
    readme.write_text(docs.replace_block(readme.read_text(encoding="utf-8"), "levers", "old table"), encoding="utf-8")
    stale = docs.update_docs(check=True, root=tmp_path)
    assert stale and "README.md" in stale[0] and "levers" in stale[0]
    assert "old table" in readme.read_text(encoding="utf-8")  # check never writes
    docs.update_docs(check=False, root=tmp_path)
    assert docs.update_docs(check=True, root=tmp_path) == []
    assert readme.read_text(encoding="utf-8") == (ROOT / "README.md").read_text(encoding="utf-8")


def test_a_doc_without_markers_is_an_error_not_a_silent_pass(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("# no markers\n", encoding="utf-8")
    (tmp_path / "docs" / "model.md").write_text("# no markers\n", encoding="utf-8")
    with pytest.raises(docs.DocsError, match="README.md"):
        docs.update_docs(check=True, root=tmp_path)


def test_python_m_sandbox_docs_check_exits_0_when_the_docs_are_current():
    out = subprocess.run([sys.executable, "-m", "sandbox.docs", "--check"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("lever", REGISTRY, ids=lambda lv: lv.path)
def test_every_lever_has_labels_help_a_source_and_a_group_in_both_languages(lever):
    for field in ("label_en", "label_zh", "help_en", "help_zh", "source"):
        assert str(getattr(lever, field)).strip(), f"{lever.path}: empty {field}"
    assert lever.group in GROUPS, f"{lever.path}: group {lever.group!r} is not one of {list(GROUPS)}"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lever.label_zh + lever.help_zh), f"{lever.path}: zh text has no Chinese"


@pytest.mark.parametrize("lever", REGISTRY, ids=lambda lv: lv.path)
def test_every_default_has_the_right_type_and_lies_within_its_bounds(lever):
    d = lever.default
    if lever.kind == "bool":
        assert isinstance(d, bool)
    elif lever.kind == "choice":
        assert d in lever.choices
    else:
        assert isinstance(d, int if lever.kind == "int" else float) and not isinstance(d, bool)
        assert lever.lo is not None and lever.hi is not None, f"{lever.path}: numeric lever without bounds"
        assert lever.lo <= d <= lever.hi, f"{lever.path}: default {d} outside [{lever.lo}, {lever.hi}]"
        assert lever.unit, f"{lever.path}: numeric lever without a unit"


def _domain_text() -> str | None:
    for base in (ROOT / "shared" / "domain", ROOT.parent / "shared" / "domain"):
        files = [base / "DEFAULTS.md", base / "FACTS.md"]
        if all(f.exists() for f in files):
            return "\n".join(f.read_text(encoding="utf-8") for f in files)
    return None


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    nxt = re.search(r"^#{2,3} ", text[start + len(heading) :], flags=re.M)
    body = text[start + len(heading) :]
    return body[: nxt.start()] if nxt else body


@pytest.mark.parametrize("heading", ["### 1.1 Purpose and patterns", "## Sources"])
def test_every_published_figure_quoted_in_model_md_appears_in_the_domain_files(heading):
    domain = _domain_text()
    if domain is None:
        pytest.skip("shared/domain/DEFAULTS.md and FACTS.md are not beside the checkout")
    section = _section((ROOT / "docs" / "model.md").read_text(encoding="utf-8"), heading)
    numbers = set(re.findall(r"\d+(?:\.\d+)?%?", section.replace(",", "")))
    missing = sorted(n for n in numbers if n not in domain.replace(",", ""))
    assert not missing, f"{heading}: figures not found in DEFAULTS.md / FACTS.md: {missing}"


def test_the_scenario_file_example_in_the_readme_loads_and_sets_what_it_says():
    import re

    from sandbox import Scenario

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", text, re.S).group(1)
    sc = Scenario.from_toml(block, source="README.md")
    assert sc.params_at(0)["signing.enabled"] is True
    assert sc.params_at(0)["reimbursement.signed_primary_bonus"] == 0.15
    assert sc.params_at(12)["reimbursement.bypass_penalty"] == 0.05


def test_the_batch_guide_lists_every_experiment_key_the_validator_reads():
    from sandbox.experiment import EXPERIMENT_KEY_TABLE

    text = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")
    assert docs.start_marker("experiment_keys") in text
    for k in EXPERIMENT_KEY_TABLE:
        assert f"| `{k.name}` |" in text
