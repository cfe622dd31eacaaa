"""Every preset reproduces its golden results exactly (``tests/golden/``).

A failure here means numbers changed. If the change is intended, rewrite the golden files with
``make golden`` in a commit of its own that says why the numbers moved."""

from __future__ import annotations

import copy

import pytest

from sandbox import golden


@pytest.mark.parametrize("preset", golden.presets())
def test_each_preset_reproduces_its_golden_results_exactly(preset):
    assert (golden.golden_dir() / f"{preset}.json").exists(), f"no golden file for {preset}: run 'make golden'"
    diff = golden.differences(golden.read(preset), golden.snapshot(preset))
    assert not diff, f"{preset} differs from its golden file (run 'make golden' if intended):\n" + "\n".join(diff[:30])


def test_a_changed_number_or_column_is_reported_as_a_difference():
    rec = golden.read("baseline")
    assert golden.differences(rec, copy.deepcopy(rec)) == []
    moved = copy.deepcopy(rec)
    moved["yearly"][1]["primary_care_share"] = rec["yearly"][1]["primary_care_share"] + 1e-12
    dropped = copy.deepcopy(rec)
    dropped["timeseries_sha256"].pop("oop")
    changed = copy.deepcopy(rec)
    changed["groups_sha256"]["residents"] = "0" * 64
    assert golden.differences(rec, moved) == [
        f"year 2 primary_care_share: golden {rec['yearly'][1]['primary_care_share']!r}, "
        f"now {moved['yearly'][1]['primary_care_share']!r}"
    ]
    assert golden.differences(rec, dropped) == ["timeseries column oop: in the golden file, missing now"]
    assert golden.differences(rec, changed) == ["groups column residents: values differ"]


def test_an_update_whose_report_cannot_be_printed_still_rewrites_every_file(tmp_path, monkeypatch):
    import json
    import sys

    for name in ("baseline", "hangzhou_2016"):
        rec = json.loads((golden.golden_dir() / f"{name}.json").read_text(encoding="utf-8"))
        rec["yearly"][0]["signing_rate"] = 0.5  # stale
        (tmp_path / f"{name}.json").write_text(json.dumps(rec), encoding="utf-8")
    real = {n: golden.read(n) for n in ("baseline", "hangzhou_2016")}
    monkeypatch.setattr(golden, "golden_dir", lambda: tmp_path)

    class ClosedPipe:
        def write(self, text):
            raise BrokenPipeError

        def flush(self):
            pass

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    with pytest.raises(BrokenPipeError):
        golden.main(["--update", "baseline", "hangzhou_2016"])
    for name, rec in real.items():
        assert golden.differences(rec, golden.read(name)) == [], name
