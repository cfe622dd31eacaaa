"""Batch experiments: identical results on every backend, resumable after interrupts and kills,
failed runs recorded, broken experiment files refused with clear messages (exit 2)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sandbox import batch
from sandbox.cli import main
from sandbox.experiment import load_experiment, parse_experiment

ROOT = Path(__file__).resolve().parent.parent
BROKEN = Path(__file__).parent / "broken_experiments"

SMALL = """
[experiment]
name = "small"
scenarios = ["baseline", "hangzhou_2016"]
residents = 2000
years = 1
seed = 3
replicates = 2
outcomes = ["primary_care_share", "fund_spending_per_capita", "signing_rate"]

[[vary]]
lever = "reimbursement.signed_primary_bonus"
values = [0.0, 0.2]
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def values(folder: Path) -> pd.DataFrame:
    return batch.load_results(folder).sort_values(["run_id", "outcome", "year"]).reset_index(drop=True)


def test_a_dask_cluster_local_processes_and_a_single_process_give_identical_results(tmp_path, monkeypatch):
    from dask.distributed import LocalCluster

    exp = write(tmp_path, SMALL)
    serial = batch.run_batch(exp, tmp_path / "serial", workers=0)
    local = batch.run_batch(exp, tmp_path / "local", workers=2)
    with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster:
        dask_out = batch.run_batch(exp, tmp_path / "dask", scheduler=cluster.scheduler_address)
        hosts = batch.load_results(tmp_path / "dask", runs=True).host
        monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)  # the CLI finds the cluster by itself
        assert main(["batch", str(exp), "--out", str(tmp_path / "dask_env"), "--quiet"]) == 0
    assert len(serial) == 2 * 2 * 2 * 3  # scenarios x points x replicates x outcomes (1 year)
    pd.testing.assert_frame_equal(values(tmp_path / "serial"), values(tmp_path / "local"))
    pd.testing.assert_frame_equal(values(tmp_path / "serial"), values(tmp_path / "dask"))
    pd.testing.assert_frame_equal(values(tmp_path / "serial"), values(tmp_path / "dask_env"))
    assert json.loads((tmp_path / "dask_env" / "manifest.json").read_text())["backend"].startswith("dask")
    assert len(local) == len(dask_out) == len(serial)
    assert hosts.notna().all()
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["backend"].startswith("dask tcp://127.0.0.1")


def test_every_design_point_uses_the_same_replicate_seeds_derived_from_the_master_seed(tmp_path):
    exp = parse_experiment(SMALL)
    specs = batch.run_specs(exp)
    by_rep: dict[int, set] = {}
    for s in specs:
        by_rep.setdefault(s.replicate, set()).add(s.seed)
    assert all(len(v) == 1 for v in by_rep.values())
    assert len({next(iter(v)) for v in by_rep.values()}) == 2
    other = parse_experiment(SMALL.replace("seed = 3", "seed = 4"))
    assert other.replicate_seeds() != exp.replicate_seeds()
    assert parse_experiment(SMALL).replicate_seeds() == exp.replicate_seeds()


def test_the_run_table_has_every_parameter_value_and_duckdb_can_query_the_parquet_in_place(tmp_path):
    import duckdb

    exp = write(tmp_path, SMALL)
    batch.run_batch(exp, tmp_path / "out", workers=0)
    runs = batch.load_results(tmp_path / "out", runs=True)
    assert len(runs) == 8 and (runs.status == "ok").all()
    assert sorted(runs["reimbursement.signed_primary_bonus"].unique()) == [0.0, 0.2]
    assert runs.loc[runs.scenario == "hangzhou_2016", "signing.enabled"].all()
    assert not runs.loc[runs.scenario == "baseline", "signing.enabled"].any()
    q = duckdb.sql(f"select count(*) from '{tmp_path / 'out' / 'outcomes.parquet'}' where outcome = 'signing_rate'").fetchall()[
        0
    ][0]
    assert q == 8
    m = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert m["experiment_text"] == SMALL and m["master_seed"] == 3 and len(m["replicate_seeds"]) == 2
    assert m["package_version"] and "git_commit" in m


def test_rerunning_the_same_command_runs_only_what_is_missing(tmp_path):
    exp = write(tmp_path, SMALL)
    out = tmp_path / "out"
    batch.run_batch(exp, out, workers=0)
    first = values(out)
    victims = sorted((out / "runs").glob("*.parquet"))[:3]
    for v in victims:
        v.unlink()
    before = {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("*.parquet")}
    calls = []
    real = batch.runners.run_one  # the name the runner calls

    def counting(spec):
        calls.append(spec.run_id)
        return real(spec)

    try:
        batch.runners.run_one = counting
        batch.run_batch(exp, out, workers=0)
    finally:
        batch.runners.run_one = real
    assert sorted(calls) == sorted(v.stem for v in victims)
    assert all((out / "runs" / n).stat().st_mtime_ns == t for n, t in before.items())
    pd.testing.assert_frame_equal(values(out), first)


def test_a_results_folder_of_another_experiment_is_refused(tmp_path, capsys):
    exp = write(tmp_path, SMALL)
    batch.run_batch(exp, tmp_path / "out", workers=0)
    other = write(tmp_path, SMALL.replace("seed = 3", "seed = 5"), "other.toml")
    assert main(["batch", str(other), "--out", str(tmp_path / "out"), "--workers", "0", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "holds results of a different experiment" in err and 'seeds differ: the folder has {"seed": 3' in err


def test_rerunning_into_a_folder_written_with_other_outcomes_is_refused_naming_them(tmp_path, capsys):
    exp = write(tmp_path, SMALL)
    out = tmp_path / "out"
    batch.run_batch(exp, out, workers=0)
    kept = {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("*.parquet")}
    other = write(tmp_path, SMALL.replace(', "signing_rate"]', ', "oop_per_capita"]'), "other.toml")
    assert main(["batch", str(other), "--out", str(out), "--workers", "0", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "outcomes differ" in err and "'signing_rate'" in err and "'oop_per_capita'" in err and "Traceback" not in err
    # nothing was rerun or rewritten
    assert {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("*.parquet")} == kept


def test_a_results_folder_written_by_another_version_of_the_engine_is_refused(tmp_path, capsys):
    exp = write(tmp_path, SMALL)
    out = tmp_path / "out"
    batch.run_batch(exp, out, workers=0)
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["engine_digest"] == batch.engine_digest()
    m["engine_digest"] = "0123456789abcdef"
    (out / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    assert main(["batch", str(exp), "--out", str(out), "--workers", "0", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "another version of the model" in err and "0123456789abcdef" in err and "Traceback" not in err


def test_a_design_point_that_makes_the_model_raise_is_recorded_as_failed_and_the_batch_completes(tmp_path, monkeypatch):
    # The model itself has no value that passes validation and then crashes, so the engine call is
    # replaced by one that raises for one lever value, exactly where a real model error would occur.
    real = batch.specs._simulate

    def fragile(scenario, residents, years, seed):
        if scenario.params_at(0)["reimbursement.signed_primary_bonus"] == 0.2:
            raise FloatingPointError("team budget went negative (test)")
        return real(scenario, residents, years, seed)

    monkeypatch.setattr(batch.specs, "_simulate", fragile)
    exp = write(tmp_path, SMALL)
    out = tmp_path / "out"
    assert main(["batch", str(exp), "--out", str(out), "--workers", "0", "--quiet"]) == 0
    runs = batch.load_results(out, runs=True)
    failed = runs[runs.status == "failed"]
    assert len(runs) == 8 and len(failed) == 4
    assert (failed["reimbursement.signed_primary_bonus"] == 0.2).all()
    assert failed.error.str.contains("FloatingPointError: team budget went negative").all()
    ok_ids = set(runs.run_id[runs.status == "ok"])
    assert set(batch.load_results(out).run_id) == ok_ids
    # failed runs are kept as failed on a plain re-run, and retried with --retry-failed
    monkeypatch.setattr(batch.specs, "_simulate", real)
    batch.run_batch(exp, out, workers=0)
    assert (batch.load_results(out, runs=True).status == "failed").sum() == 4
    batch.run_batch(exp, out, workers=0, retry_failed=True)
    assert (batch.load_results(out, runs=True).status == "ok").all()


KILL = """
[experiment]
name = "kill"
scenarios = ["baseline"]
residents = 4000
years = 1
seed = 8
replicates = 4
outcomes = ["primary_care_share", "fund_spending_per_capita"]

[[vary]]
lever = "reimbursement.outpatient.tertiary"
values = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75]
"""


def _start(exp: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sandbox.cli", "batch", str(exp), "--out", str(out), "--workers", "2", "--quiet"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a terminal job: signals reach the workers too
    )


def _wait_for_runs(out: Path, n: int, proc: subprocess.Popen, timeout: float = 120) -> int:
    t0 = time.time()
    while time.time() - t0 < timeout:
        k = len(list((out / "runs").glob("*.parquet"))) if (out / "runs").exists() else 0
        if k >= n or proc.poll() is not None:
            return k
        time.sleep(0.05)
    raise AssertionError("batch made no progress")


def test_a_batch_interrupted_then_killed_and_restarted_completes_with_exactly_the_expected_runs(tmp_path):
    exp = write(tmp_path, KILL)
    out = tmp_path / "out"
    expected = {s.run_id for s in batch.run_specs(load_experiment(exp))}
    assert len(expected) == 40

    p = _start(exp, out)
    n1 = _wait_for_runs(out, 4, p)
    os.killpg(p.pid, signal.SIGINT)  # Ctrl-C
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert "Traceback" not in err and "run the same command again" in err
    after_int = {f.stem for f in (out / "runs").glob("*.parquet")}
    assert n1 <= len(after_int) < 40

    p = _start(exp, out)
    _wait_for_runs(out, len(after_int) + 6, p)
    os.killpg(p.pid, signal.SIGKILL)  # no chance to clean up
    p.communicate(timeout=60)
    after_kill = {f.stem for f in (out / "runs").glob("*.parquet")}
    assert after_int <= after_kill and len(after_kill) < 40

    p = _start(exp, out)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 0, err
    runs = batch.load_results(out, runs=True)
    assert set(runs.run_id) == expected and runs.run_id.is_unique and (runs.status == "ok").all()
    outcomes = batch.load_results(out)
    assert len(outcomes) == 40 * 2 and not outcomes.duplicated(["run_id", "outcome", "year"]).any()
    assert not list(out.rglob("*.tmp"))
    # the resumed results equal an uninterrupted single-process run
    batch.run_batch(exp, tmp_path / "clean", workers=0)
    pd.testing.assert_frame_equal(values(out), values(tmp_path / "clean"))


# file -> fragments the message must contain
BROKEN_CASES = {
    "not_toml.toml": ("not valid TOML",),
    "unknown_section.toml": ("sweep", "unknown section", "[[vary]]"),
    "unknown_experiment_key.toml": ("experiment.replicate", "valid keys under 'experiment'", "replicates"),
    "unknown_lever.toml": ("vary[0].lever", "signed_primary_bonsu", "did you mean reimbursement.signed_primary_bonus"),
    "value_out_of_range.toml": ("reimbursement.outpatient.tertiary", "1.4", "out of range", "[0, 1]"),
    "range_outside_lever.toml": ("signing.fee.healthy", "-10.0", "out of range", "[0, 2000]"),
    "range_reversed.toml": ("vary[0].range", "lo must be below hi"),
    "range_on_choice_lever.toml": ("referral.binding", "needs a numeric lever"),
    "unknown_preset.toml": ("atlantis_2030", "no such preset", "baseline"),
    "unknown_outcome.toml": ("primary_share", "unknown outcome", "primary_care_share"),
    "bad_method.toml": ("experiment.method", "random", "'grid'", "'sobol'"),
    "replicates_zero.toml": ("experiment.replicates", "= 0", "from 1"),
    "sobol_one_lever.toml": ("at least two varied levers",),
    "sobol_not_power_of_two.toml": ("experiment.samples", "power of two"),
    "calibrate_without_targets.toml": ("[[target]]",),
    "contradiction_in_design.toml": ("design point", "referral.binding", "signing.enabled = true"),
    "calibrate_target_unknown_scenario.toml": ("target[0].scenario", "hangzhuo_2016", "no such preset", "hangzhou_2016"),
    "calibrate_target_fixes_varied_lever.toml": (
        "target[0].overrides.behaviour.trust_signed",
        "a target's setting may not fix a varied lever",
    ),
    "calibrate_target_bad_minus_and_tolerance.toml": (
        "target[0].minus",
        "primary_share_unsigned",
        "primary_care_share_unsigned",
        "target[0].tolerance",
        "must be a positive number",
    ),
    "calibrate_step_too_large.toml": ("vary[0].step", "5.0", "below the range's width (2)"),
    "record_without_calibration.toml": ("experiment.record", "fit.json", "only a calibration is recorded"),
}


def test_every_broken_experiment_file_has_a_case():
    assert sorted(p.name for p in BROKEN.glob("*.toml")) == sorted(BROKEN_CASES)


@pytest.mark.parametrize("name", sorted(BROKEN_CASES))
def test_a_broken_experiment_file_gives_a_clear_message_and_exit_code_2(name, capsys, tmp_path):
    command = "calibrate" if "calibrate" in name else "sensitivity" if "sobol" in name else "batch"
    code = main([command, str(BROKEN / name), "--out", str(tmp_path / "out"), "--workers", "0", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert name in err
    for frag in BROKEN_CASES[name]:
        assert frag in err, (frag, err)
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_the_cli_refuses_a_broken_experiment_in_a_subprocess_without_a_traceback(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "sandbox.cli", "batch", str(BROKEN / "unknown_lever.toml"), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert p.returncode == 2 and "did you mean" in p.stderr and "Traceback" not in p.stderr


def test_the_wrong_command_for_a_method_is_refused(capsys, tmp_path):
    code = main(["calibrate", str(ROOT / "experiments" / "gap_sweep.toml"), "--out", str(tmp_path / "o")])
    assert code == 2 and "needs method 'calibrate'" in capsys.readouterr().err


def test_the_shipped_experiment_files_are_valid():
    for f in sorted((ROOT / "experiments").glob("*.toml")):
        exp = load_experiment(f)
        assert batch.run_specs(exp), f


def _worker_pids(pid: int) -> list[int]:
    """The spawned pool workers among the children of ``pid`` (not the resource tracker)."""
    out = []
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return out
    for c in children:
        try:
            cmd = Path(f"/proc/{c}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"spawn_main" in cmd and b"resource_tracker" not in cmd:
            out.append(int(c))
    return out


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to find the worker processes")
def test_a_killed_worker_process_loses_no_run_and_the_batch_completes(tmp_path):
    exp = write(tmp_path, KILL)
    out = tmp_path / "out"
    p = _start(exp, out)
    _wait_for_runs(out, 2, p)
    workers = []
    t0 = time.time()
    while not workers and time.time() - t0 < 30:
        workers = _worker_pids(p.pid)
        time.sleep(0.05)
    assert workers, "no worker processes found"
    os.kill(workers[0], signal.SIGKILL)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 0, err
    runs = batch.load_results(out, runs=True)
    assert len(runs) == 40 and runs.run_id.is_unique and (runs.status == "ok").all()
    assert runs.pid.nunique() > 2  # a fresh pool took over from the broken one
