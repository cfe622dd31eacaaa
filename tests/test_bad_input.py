"""Bad input is refused with a message that names the file, the key, the bad value and what is
allowed, and never with a traceback. One broken scenario file per kind lives in tests/broken/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import Scenario, ScenarioError
from sandbox.params import BY_PATH

BROKEN = Path(__file__).parent / "broken"
ROOT = Path(__file__).resolve().parent.parent

# file name -> (key named in the message, bad value as shown, fragments of what is allowed)
CASES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "not_toml.toml": ("toml", "line 3", ("not valid TOML",)),
    "unknown_key.toml": ("signing.enabeld", "true", ("unknown key", "did you mean signing.enabled")),
    "unknown_section.toml": ("insurance.rate", "0.5", ("unknown key", "valid top-level sections", "reimbursement", "signing")),
    "wrong_type_string.toml": ("reimbursement.outpatient.primary", '"high"', ("wrong type", "expected a number", "[0, 1]")),
    "wrong_type_bool.toml": ("signing.enabled", "= 1", ("wrong type", "true or false")),
    "rate_above_one.toml": ("reimbursement.outpatient.primary", "1.5", ("out of range", "[0, 1]")),
    "negative_price.toml": ("prices.outpatient.tertiary", "-389.5", ("out of range", "[0, 5000]", "yuan/visit")),
    "team_cap_zero.toml": ("signing.team_cap_households", "= 0", ("out of range", "[1, 5000]")),
    "elective_share_above_one.toml": ("behaviour.elective_admission_share", "1.2", ("out of range", "[0, 1]", "share")),
    "invalid_choice.toml": ("referral.binding", '"medium"', ("not a valid choice", '"soft"', '"hard"')),
    "payer_shares.toml": ("signing.payer.chronic", "1.1", ("must sum to 1",)),
    "hard_binding_without_signing.toml": ("referral.binding", '"hard"', ("signing.enabled = true",)),
    "team_budget_without_signing.toml": ("budget.team_enabled", "true", ("signing.enabled = true",)),
    "hospital_pays_without_alliance.toml": ("capability.specialists_payer", '"hospital"', ("hospital.alliance = true",)),
    "gatekeeping_scope_without_rule.toml": (
        "referral.gatekeeping_scope",
        '"resident_scheme"',
        ("no rule is in force", "reimbursement.bypass_penalty > 0", 'referral.binding = "hard"'),
    ),
    "bypass_penalty_without_signing.toml": (
        "reimbursement.bypass_penalty",
        "1.0",
        ("signing.enabled = true", '"resident_scheme"', '"all_insured"'),
    ),
    "phase_negative_month.toml": ("phase[0].month", "-1", ("from 0 to 1200",)),
    "phase_unknown_key.toml": (
        "phase[0].set.reimbursement.signed_primary_bonsu",
        "0.15",
        ("unknown key", "did you mean reimbursement.signed_primary_bonus"),
    ),
    "phase_contradiction.toml": ("(from month 6) referral.binding", '"hard"', ("signing.enabled = true",)),
}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sandbox.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


def load_error(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        Scenario.load(path)
    return str(info.value)


def test_every_broken_file_has_a_case_and_every_case_a_file():
    assert sorted(p.name for p in BROKEN.glob("*.toml")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_broken_file_is_rejected_naming_the_file_the_key_the_value_and_what_is_allowed(name):
    key, value, allowed = CASES[name]
    message = load_error(BROKEN / name)
    assert name in message
    assert key in message
    assert value in message
    for fragment in allowed:
        assert fragment in message, f"{fragment!r} missing from: {message}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_sandbox_validate_exits_2_with_the_message_on_stderr_and_no_traceback(name):
    key, value, _ = CASES[name]
    out = run_cli("validate", str(BROKEN / name))
    assert out.returncode == 2, out
    assert "Traceback" not in out.stderr + out.stdout
    assert name in out.stderr and key in out.stderr and value in out.stderr


def test_a_file_that_is_not_toml_is_rejected_with_the_line_and_column():
    message = load_error(BROKEN / "not_toml.toml")
    assert "line 3, column" in message


def test_an_unknown_key_is_rejected_with_the_valid_keys_listed():
    with pytest.raises(ScenarioError) as info:
        Scenario.from_toml("signing.zzz_not_a_lever_at_all = 1\n", source="mine.toml")
    message = str(info.value)
    assert "mine.toml" in message and "signing.zzz_not_a_lever_at_all" in message
    assert "valid keys under 'signing'" in message
    for path in BY_PATH:
        if path.startswith("signing."):
            assert path in message


def test_a_missing_file_is_reported_as_not_found_by_load_and_by_the_cli(tmp_path):
    missing = tmp_path / "no_such_scenario.toml"
    message = load_error(missing)
    assert "no_such_scenario.toml" in message and "file not found" in message
    out = run_cli("validate", str(missing))
    assert out.returncode == 2
    assert "file not found" in out.stderr and "Traceback" not in out.stderr


def test_every_problem_in_a_file_is_reported_at_once():
    text = 'reimbursement.outpatient.primary = 1.5\nreferral.binding = "medium"\nsigning.enabeld = true\n'
    with pytest.raises(ScenarioError) as info:
        Scenario.from_toml(text, source="many.toml")
    keys = {p.key for p in info.value.problems}
    assert keys == {"reimbursement.outpatient.primary", "referral.binding", "signing.enabeld"}
    assert all(p.file == "many.toml" for p in info.value.problems)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("phase = [1]\n", "phase[0]"),
        ("[[phase]]\nmonth = 3\nset = 5\n", "phase[0].set"),
        ("[[phase]]\nmonth = 3\nstart = 2\n", "phase[0].start"),
        ("[[phase]]\nmonth = 2.5\n", "phase[0].month"),
        ('meta = "x"\n', "meta"),
        ("[meta]\ntitle = 1\n", "meta.title"),
        ("population.urban_share = nan\n", "population.urban_share"),
        ("signing.fee.healthy = [120, 150]\n", "signing.fee.healthy"),
        ("signing.team_cap_households = 800.5\n", "signing.team_cap_households"),
    ],
)
def test_a_malformed_table_or_value_is_a_scenario_error_not_a_crash(text, key):
    with pytest.raises(ScenarioError) as info:
        Scenario.from_toml(text, source="odd.toml")
    assert any(p.key == key for p in info.value.problems), str(info.value)
    assert "odd.toml" in str(info.value)


def test_sandbox_validate_reports_ok_for_a_good_file_and_exits_2_if_any_file_is_bad():
    good = ROOT / "scenarios" / "baseline.toml"
    out = run_cli("validate", str(good), str(BROKEN / "rate_above_one.toml"))
    assert out.returncode == 2
    assert "baseline.toml: ok" in out.stdout
    assert "rate_above_one.toml" in out.stderr


def test_sandbox_run_with_a_broken_file_exits_2_without_a_traceback():
    out = run_cli("run", str(BROKEN / "invalid_choice.toml"), "--residents", "1000", "--years", "1", "--quiet")
    assert out.returncode == 2
    assert "referral.binding" in out.stderr and '"medium"' in out.stderr
    assert "Traceback" not in out.stderr + out.stdout


def test_sandbox_run_with_an_unknown_preset_lists_the_available_presets():
    out = run_cli("run", "no_such_preset", "--quiet")
    assert out.returncode == 2
    assert "no such preset" in out.stderr and "baseline" in out.stderr
    assert "Traceback" not in out.stderr


def test_sandbox_run_with_a_bad_set_override_exits_2_without_a_traceback():
    out = run_cli("run", "baseline", "--set", "reimbursement.outpatient.primary=1.5", "--residents", "1000", "--quiet")
    assert out.returncode == 2
    assert "reimbursement.outpatient.primary" in out.stderr and "out of range" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("residents", ["0", "-5", "50", "many"])
def test_sandbox_run_with_too_few_residents_is_a_clear_argparse_error(residents):
    out = run_cli("run", "baseline", "--residents", residents, "--quiet")
    assert out.returncode == 2
    assert "--residents" in out.stderr
    assert "Traceback" not in out.stderr


def test_with_overrides_validates_everything_before_applying_and_leaves_the_original_unchanged():
    sc = Scenario.preset("baseline")
    before_overrides, before_params = dict(sc.overrides), sc.params_at(0)
    bad = {
        "reimbursement.signed_primary_bonus": 0.15,  # valid, must not be applied
        "reimbursement.outpatient.primary": 1.5,
        "referral.binding": "medium",
        "signing.enabeld": True,
    }
    with pytest.raises(ScenarioError) as info:
        sc.with_overrides(bad)
    assert {p.key for p in info.value.problems} == {"reimbursement.outpatient.primary", "referral.binding", "signing.enabeld"}
    assert sc.overrides == before_overrides
    assert sc.params_at(0) == before_params


def test_with_overrides_rejects_a_contradiction_and_leaves_the_original_unchanged():
    sc = Scenario.preset("baseline")
    before = sc.params_at(0)
    with pytest.raises(ScenarioError, match="signing.enabled = true"):
        sc.with_overrides({"referral.binding": "hard"})
    with pytest.raises(ScenarioError, match="must sum to 1"):
        sc.with_overrides({"signing.enabled": True, "signing.payer.healthy.resident": 0.5})
    assert sc.params_at(0) == before


@pytest.mark.parametrize("month", [-1, 2.5, True])
def test_with_overrides_rejects_a_month_that_is_not_a_whole_month_from_0(month):
    sc = Scenario.default()
    with pytest.raises(ScenarioError, match="month"):
        sc.with_overrides({"signing.enabled": True}, month=month)
    assert sc.phases == ()


def test_with_overrides_returns_a_new_scenario_and_applies_valid_overrides():
    sc = Scenario.default()
    new = sc.with_overrides({"signing.enabled": True, "reimbursement.signed_primary_bonus": 0.15})
    assert new.params_at(0)["reimbursement.signed_primary_bonus"] == 0.15
    assert sc.params_at(0)["reimbursement.signed_primary_bonus"] == BY_PATH["reimbursement.signed_primary_bonus"].default


def test_output_piped_into_a_reader_that_stops_early_ends_without_a_traceback():
    many = [str(ROOT / "scenarios" / "baseline.toml")] * 3000  # more output than a pipe buffer holds
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox.cli", "validate", *many], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT
    )
    proc.stdout.readline()
    proc.stdout.close()  # like `sandbox validate ... | head -1`
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err


@pytest.mark.parametrize("seed", ["-1", "seven"])
def test_sandbox_run_with_a_bad_seed_is_a_clear_argparse_error(seed):
    out = run_cli("run", "baseline", "--seed", seed, "--quiet")
    assert out.returncode == 2
    assert "--seed" in out.stderr and "Traceback" not in out.stderr


def test_sandbox_run_with_an_unwritable_out_folder_exits_2_without_a_traceback(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    out = run_cli("run", "baseline", "--residents", "500", "--years", "1", "--quiet", "--out", str(blocker / "results"))
    assert out.returncode == 2
    assert "--out" in out.stderr and "Traceback" not in out.stderr
