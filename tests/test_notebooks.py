"""The example notebooks execute top to bottom (small sizes: SANDBOX_NOTEBOOK_SMALL=1)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def test_there_are_four_notebooks_and_they_match_their_generator():
    import importlib.util

    assert len(NAMES) == 4
    spec = importlib.util.spec_from_file_location("make_notebooks", NOTEBOOKS / "make_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert sorted(mod.NOTEBOOKS) == NAMES
    for name, make in mod.NOTEBOOKS.items():
        stored = nbformat.read(NOTEBOOKS / name, as_version=4)
        assert [c.source for c in stored.cells] == [c.source for c in make().cells], f"{name}: run notebooks/make_notebooks.py"


@pytest.mark.parametrize("name", NAMES)
def test_a_notebook_executes_top_to_bottom_at_small_size(name, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("SANDBOX_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("SANDBOX_NOTEBOOK_OUT", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert any(tmp_path.iterdir()), "the notebook wrote no results"
    assert os.environ["SANDBOX_NOTEBOOK_SMALL"] == "1"
