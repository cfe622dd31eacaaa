"""Batch experiments: sweeps, replicates, sensitivity and calibration, on local processes or Dask.

* :mod:`.specs`: every run of an experiment as plain data (:class:`RunSpec`) and the function a
  worker runs (:func:`run_one`);
* :mod:`.store`: atomic run files, consolidation, manifest, and the check that refuses to mix
  runs of a different experiment or engine into a folder;
* :mod:`.runners`: local processes, this process or a Dask cluster (:class:`Runner`),
  :func:`execute` and :func:`run_batch`.

The commands ``sandbox batch``, ``sandbox sensitivity`` and ``sandbox calibrate`` live with the
other commands in :mod:`sandbox.cli`.
"""

from __future__ import annotations

from .runners import MAX_BREAKS, Progress, Runner, execute, run_batch
from .specs import RunSpec, run_one, run_specs
from .store import (
    ENGINE_FILES,
    ID_COLUMNS,
    RUNS_DIR,
    check_folder,
    consolidate,
    engine_digest,
    finished_runs,
    load_results,
    manifest,
    read_run_record,
    with_parameters,
    write_json_atomic,
    write_run,
)

__all__ = [
    "ENGINE_FILES",
    "ID_COLUMNS",
    "MAX_BREAKS",
    "RUNS_DIR",
    "Progress",
    "RunSpec",
    "Runner",
    "check_folder",
    "consolidate",
    "engine_digest",
    "execute",
    "finished_runs",
    "load_results",
    "manifest",
    "read_run_record",
    "run_batch",
    "run_one",
    "run_specs",
    "with_parameters",
    "write_json_atomic",
    "write_run",
]
