"""Each phase reads and writes what it declares: its ``READS`` / ``WRITES`` constants (and the first
line of its ``run`` docstring) are checked against what it actually touches during a run.

The run is instrumented from outside: the residents, the agents and the model record which
attributes a phase gets or sets, the levers and the month's row record which keys, and resident
columns and model state are compared before and after each phase to catch writes made in place."""

from __future__ import annotations

import copy
import dataclasses
from collections import defaultdict

import mesa
import numpy as np
import pytest

from sandbox import Scenario
from sandbox.agents import Fund, Hospital, Team
from sandbox.model import SandboxModel
from sandbox.phases import ORDER, care, experience, illness, payment, record, referral, settlement, signing
from sandbox.population import Residents

# model attributes every phase uses as infrastructure, or that are watched at a finer grain
# (residents column by column, levers and the month's row key by key, agents attribute by attribute)
INFRASTRUCTURE = {
    "res",
    "p",
    "acc",
    "streams",
    "ids",
    "month",
    "threads",
    "_pool",
    "teams",
    "hospitals",
    "fund",
    "scenario",
    "n_residents",
    "years",
    "n_months",
    "seed",
    "running",
    "datacollector",
}
AGENT_INTERNALS = {"model", "unique_id", "pos"}
COLUMNS = {f.name for f in dataclasses.fields(Residents)}


class Recorder:
    """What the phase being run has read and written (None: no phase running)."""

    def __init__(self) -> None:
        self.phase: str | None = None
        self.reads: dict[str, set[str]] = defaultdict(set)
        self.writes: dict[str, set[str]] = defaultdict(set)

    def read(self, name: str) -> None:
        if self.phase is not None:
            self.reads[self.phase].add(name)

    def wrote(self, name: str) -> None:
        if self.phase is not None:
            self.writes[self.phase].add(name)


def _watched(cls: type, prefix: str, rec: Recorder, names: set[str] | None) -> type:
    """A subclass of ``cls`` that reports gets and sets of its data attributes as ``prefix + name``
    (only ``names`` if given; methods, private and mesa's own attributes never)."""

    def keep(name: str, value: object = None) -> bool:
        if name.startswith("_") or name in AGENT_INTERNALS or callable(value):
            return False
        return names is None or name in names

    class Watched(cls):
        def __getattribute__(self, name: str):
            value = object.__getattribute__(self, name)
            if keep(name, value):
                rec.read(prefix + name)
            return value

        def __setattr__(self, name: str, value: object) -> None:
            if keep(name):
                rec.wrote(prefix + name)
            object.__setattr__(self, name, value)

        @property
        def n(self) -> int:  # the number of residents is not a read of the first column
            return object.__getattribute__(self, "age_band").shape[0]

    return Watched


class WatchedDict(dict):
    """A dict that reports ``d[key]`` gets and sets as ``prefix + key`` (or the key's group)."""

    def __init__(self, data: dict, prefix: str, rec: Recorder, group: bool) -> None:
        super().__init__(data)
        self._prefix, self._rec, self._group = prefix, rec, group

    def _name(self, key: str) -> str:
        return self._prefix + (key.split(".")[0] if self._group else key)

    def __getitem__(self, key: str):
        self._rec.read(self._name(key))
        return super().__getitem__(key)

    def __setitem__(self, key: str, value: object) -> None:
        self._rec.wrote(self._name(key))
        super().__setitem__(key, value)


def _same(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b or (a != a and b != b)


def _mesa_names() -> set[str]:
    bare = mesa.Model(seed=0)
    names = set(vars(bare))
    mesa.Agent._ids.pop(bare, None)
    return names


def _state(m: SandboxModel, model_names: list[str]) -> dict[str, object]:
    """Copies of every resident column and of the model's own state attributes."""
    res = object.__getattribute__(m, "res")
    out = {f"res.{c}": np.copy(object.__getattribute__(res, c)) for c in COLUMNS}
    for name in model_names:
        out[name] = copy.deepcopy(object.__getattribute__(m, name))
    return out


def _instrumented_run(preset: str, months: int, monkeypatch: pytest.MonkeyPatch) -> Recorder:
    rec = Recorder()
    m = SandboxModel(Scenario.preset(preset), residents=2_000, years=2, seed=1)
    mesa_names = _mesa_names()
    model_names = sorted(n for n in vars(m) if n not in mesa_names and n not in INFRASTRUCTURE and n != "res")
    m.res.__class__ = _watched(Residents, "res.", rec, COLUMNS)
    for agents, cls, prefix in ((m.teams, Team, "teams."), (m.hospitals, Hospital, "hospitals."), ([m.fund], Fund, "fund.")):
        watched = _watched(cls, prefix, rec, None)
        for ag in agents:
            ag.__class__ = watched
    skip = mesa_names | INFRASTRUCTURE

    class WatchedModel(SandboxModel):
        def __getattribute__(self, name: str):
            value = object.__getattribute__(self, name)
            if name not in skip and not name.startswith("__") and not callable(value):
                rec.read(name)
            return value

        def __setattr__(self, name: str, value: object) -> None:
            if name not in skip:
                rec.wrote(name)
            object.__setattr__(self, name, value)

    for module in ORDER:
        original = module.run
        phase_name = module.__name__.rsplit(".", 1)[1]

        def wrapped(model, original=original, phase_name=phase_name):
            if type(object.__getattribute__(model, "p")) is dict:
                object.__setattr__(model, "p", WatchedDict(model.p, "levers.", rec, group=True))
                object.__setattr__(model, "acc", WatchedDict(model.acc, "acc.", rec, group=False))
            before = _state(model, model_names)
            rec.phase = phase_name
            try:
                original(model)
            finally:
                rec.phase = None
            after = _state(model, model_names)
            for key in before:
                if not _same(before[key], after[key]):
                    rec.writes[phase_name].add(key)

        monkeypatch.setattr(module, "run", wrapped)
    m.__class__ = WatchedModel
    try:
        for _ in range(months):
            m.step()
    finally:
        monkeypatch.undo()
        m.__class__ = SandboxModel
        m.release()
    return rec


@pytest.fixture(scope="module")
def recorded() -> Recorder:
    """What each phase touched over two contract years (the second year's settlement compares with
    the first) of presets that between them use every mechanism."""
    total = Recorder()
    with pytest.MonkeyPatch.context() as mp:
        for preset in ("shanghai_1plus1plus1", "value_based_capitation", "hebei_county_alliance"):
            rec = _instrumented_run(preset, 24, mp)
            for phase in rec.reads.keys() | rec.writes.keys():
                total.reads[phase] |= rec.reads[phase]
                total.writes[phase] |= rec.writes[phase]
    return total


def _name(module) -> str:
    return module.__name__.rsplit(".", 1)[1]


@pytest.mark.parametrize("module", ORDER, ids=_name)
def test_a_phase_writes_exactly_what_it_declares(module, recorded):
    got = recorded.writes[_name(module)]
    assert got == set(module.WRITES), (
        f"undeclared: {sorted(got - set(module.WRITES))}, never written: {sorted(set(module.WRITES) - got)}"
    )


@pytest.mark.parametrize("module", ORDER, ids=_name)
def test_a_phase_reads_only_what_it_declares_and_everything_it_declares(module, recorded):
    got = recorded.reads[_name(module)]
    declared = set(module.READS)
    covered = declared | set(module.WRITES)  # an accumulation (x += ...) reads what it writes
    undeclared = {n for n in got - covered if not ("acc.*" in declared and n.startswith("acc."))}
    assert not undeclared, f"{_name(module)} reads undeclared {sorted(undeclared)}"
    unread = {n for n in declared - got if n != "acc.*"}
    assert not unread, f"{_name(module)} declares reads it never makes: {sorted(unread)}"


@pytest.mark.parametrize("module", ORDER, ids=_name)
def test_a_phase_says_what_it_reads_and_writes_on_the_first_line_of_its_docstring(module):
    first = (module.run.__doc__ or "").splitlines()[0]
    assert first.startswith("Reads: ") and " Writes: " in first


def test_step_runs_the_phases_in_the_declared_order_and_closes_the_year_after_record(monkeypatch):
    m = SandboxModel(Scenario.preset("baseline"), residents=500, years=1, seed=1)
    calls: list[str] = []
    for module in ORDER:
        original, name = module.run, _name(module)

        def logged(model, original=original, name=name):
            calls.append(name)
            original(model)

        monkeypatch.setattr(module, "run", logged)
    close = m.close_year
    monkeypatch.setattr(m, "close_year", lambda: (calls.append("close_year"), close()))
    for _ in range(12):
        m.step()
    m.release()
    names = [_name(mod) for mod in ORDER]
    assert calls == names * 12 + ["close_year"]
    assert names == ["illness", "signing", "care", "referral", "payment", "experience", "settlement", "record"]


def test_the_phase_modules_are_not_shadowed_by_functions():
    import sandbox.phases as phases

    for module in (care, experience, illness, payment, record, referral, settlement, signing):
        assert getattr(phases, _name(module)) is module and callable(module.run)
