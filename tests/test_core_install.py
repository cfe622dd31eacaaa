"""The engine and the command line need only the core install: with the app's and the batch
layer's libraries made unimportable, `import sandbox` loads none of them, a simulation runs, and a
command that needs an extra says which one instead of failing with a traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPTIONAL = ("streamlit", "plotly", "openpyxl", "dask", "distributed", "SALib", "matplotlib")

# installed before anything else: the optional libraries cannot be imported or even found
BLOCKER = textwrap.dedent(
    f"""
    import sys, importlib.abc
    BLOCKED = {OPTIONAL!r}
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {{name!r}} (blocked: core install)", name=name)
            return None
    sys.meta_path.insert(0, Block())
    """
)


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCKER + textwrap.dedent(code), *args], capture_output=True, text=True, cwd=ROOT, timeout=240
    )


def test_the_engine_and_cli_import_and_run_without_the_app_or_batch_libraries():
    out = _python(
        f"""
        import sandbox, sandbox.model, sandbox.cli, sandbox.batch, sandbox.outcomes, sandbox.compare
        res = sandbox.simulate("hangzhou_2016", residents=2000, years=1, seed=1)
        assert 0 < res.summary()["primary_care_share"] < 1
        assert sandbox.cli.main(["run", "baseline", "--residents", "2000", "--years", "1", "--quiet"]) == 0
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in {OPTIONAL!r})
        print("LOADED", loaded)
        """
    )
    assert out.returncode == 0, out.stderr
    assert "LOADED []" in out.stdout


def test_a_command_that_needs_the_batch_extra_names_it_without_a_traceback(tmp_path):
    exp = tmp_path / "sobol.toml"
    exp.write_text((ROOT / "experiments" / "sobol.toml").read_text(encoding="utf-8"), encoding="utf-8")
    out = _python(
        """
        import sandbox.cli
        sys.exit(sandbox.cli.main(sys.argv[1:]))
        """,
        "sensitivity",
        str(exp),
        "--out",
        str(tmp_path / "out"),
        "--quiet",
    )
    assert out.returncode == 2, out.stderr
    assert "install the 'batch' extra" in out.stderr and "SALib" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "out").exists()
