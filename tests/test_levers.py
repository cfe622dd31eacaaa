"""The lever registry (sandbox/levers.toml): its invariants, its templates, and its `read` and
`role` fields checked against what the engine actually reads and what scenarios do with them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from sandbox import Scenario, ScenarioError, simulate
from sandbox.model import SandboxModel
from sandbox.params import BY_PATH, GROUPS, READS, REGISTRY, ROLES, LeverFileError, parse_registry
from sandbox.scenario import list_presets

ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------ invariants
def test_every_lever_path_is_unique():
    paths = [lv.path for lv in REGISTRY]
    assert len(set(paths)) == len(paths)
    assert set(BY_PATH) == set(paths)


@pytest.mark.parametrize("lever", REGISTRY, ids=lambda lv: lv.path)
def test_every_lever_has_a_valid_read_and_role(lever):
    assert lever.read in READS, f"{lever.path}: read {lever.read!r}"
    assert lever.role in ROLES, f"{lever.path}: role {lever.role!r}"


def test_every_option_of_a_choice_lever_has_a_chinese_and_an_english_name():
    from sandbox.i18n import CHOICE_LABELS

    options = {c for lv in REGISTRY if lv.kind == "choice" for c in lv.choices}
    assert options <= set(CHOICE_LABELS), sorted(options - set(CHOICE_LABELS))


def test_place_levers_are_exactly_those_of_the_population_and_price_groups_and_the_behaviour_group_is_all_behaviour():
    for lv in REGISTRY:
        assert (lv.role == "place") == (lv.group in ("population", "prices")), lv.path
        if lv.group == "behaviour":
            assert lv.role == "behaviour", lv.path


def test_the_registry_cannot_be_changed_in_place():
    with pytest.raises(TypeError):
        BY_PATH["signing.enabled"] = BY_PATH["signing.floor"]  # type: ignore[index]
    with pytest.raises(TypeError):
        GROUPS["new"] = ("New", "新")  # type: ignore[index]


def test_the_data_file_is_shipped_as_package_data():
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "levers.toml" in conf["tool"]["setuptools"]["package-data"]["sandbox"]
    assert (ROOT / "sandbox" / "levers.toml").is_file()


# ------------------------------------------------------------------ the data file format
_GROUPS = '[groups]\nrates = { en = "Rates", zh = "比例" }\n'
_TEMPLATE = """
[[lever]]
path = "fee.{tier}.{payer}"
axes = ["tier", "payer"]
kind = "float"
lo = 0
hi = 1
unit = "share"
read = "monthly"
role = "policy"
group = "rates"
label_en = "{tier} fee paid by {payer_en}"
label_zh = "{tier_zh}签约费由{payer_zh}承担"
help_en = "Part of the {tier} fee."
help_zh = "{tier_zh}签约费的一部分。"
source = { healthy = "seed 002", chronic = "seed 001", disabled = "seed 001" }
[lever.default]
healthy = { resident = 0.1, fund = 0.0, public_health = 0.0, city_finance = 0.25, district_finance = 0.65, civil_affairs = 0.0 }
chronic = { resident = 0.1, fund = 0.8, public_health = 0.1, city_finance = 0.0, district_finance = 0.0, civil_affairs = 0.0 }
disabled = { resident = 0.0, fund = 0.9, public_health = 0.0, city_finance = 0.0, district_finance = 0.0, civil_affairs = 0.1 }
"""


def test_a_template_expands_to_one_lever_per_combination_outermost_axis_first_with_names_filled_in():
    reg = parse_registry(_GROUPS + _TEMPLATE, source="t.toml")
    assert len(reg.levers) == 18
    first, last = reg.levers[0], reg.levers[-1]
    assert first.path == "fee.healthy.resident" and reg.levers[1].path == "fee.healthy.fund"
    assert last.path == "fee.disabled.civil_affairs" and last.default == 0.1
    city = reg.by_path["fee.healthy.city_finance"]
    assert city.label_en == "healthy fee paid by city finance" and city.label_zh == "健康人群签约费由市财政承担"
    assert city.source == "seed 002" and reg.by_path["fee.chronic.fund"].source == "seed 001"
    assert city.default == 0.25 and isinstance(reg.by_path["fee.chronic.city_finance"].default, float)


@pytest.mark.parametrize(
    "change, fragments",
    [
        (('read = "monthly"', 'read = "weekly"'), ("fee.{tier}.{payer}", "read = 'weekly'", "start, monthly")),
        (('role = "policy"', 'role = "reform"'), ("role = 'reform'", "policy, place, behaviour")),
        (("hi = 1", "hi = 0.2"), ("fee.healthy.city_finance", "default 0.25 lies outside [0, 0.2]")),
        (('"{tier} fee paid by {payer_en}"', '"{tier} fee paid by {payr}"'), ("label_en", "unknown placeholder {payr}")),
        (('axes = ["tier", "payer"]', 'axes = ["tier", "payers"]'), ("unknown axis 'payers'", "level, scheme, tier, payer")),
        (('unit = "share"', 'unit = "share"\nlabel = "x"'), ("unknown field 'label'",)),
        ((", civil_affairs = 0.1 }", " }"), ("field 'default' has no value for 'civil_affairs'",)),
        (('group = "rates"', 'group = "other"'), ("group = 'other'", "rates")),
    ],
)
def test_a_malformed_lever_file_is_refused_naming_the_file_the_lever_and_the_field(change, fragments):
    text = _GROUPS + _TEMPLATE.replace(*change)
    with pytest.raises(LeverFileError) as info:
        parse_registry(text, source="t.toml")
    message = str(info.value)
    assert "t.toml" in message
    for frag in fragments:
        assert frag in message


def test_a_duplicate_lever_path_is_refused():
    with pytest.raises(LeverFileError, match="duplicate lever path 'fee.healthy.fund'"):
        parse_registry(_GROUPS + _TEMPLATE + _TEMPLATE, source="t.toml")


# ------------------------------------------------------------------ `read` against the engine
class _Recording(dict):
    """A parameter dict that notes in ``log`` every key read through [] or get()."""

    def __init__(self, values: dict, log: set[str]):
        super().__init__(values)
        self.log = log

    def __getitem__(self, key):
        self.log.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.log.add(key)
        return super().get(key, default)


@pytest.fixture(scope="module")
def reads() -> dict[str, set[str]]:
    """The levers read while each preset's model is built and those read in its steps (two years,
    so a year-end settlement against last year's budget runs), with every ``params_at`` dict
    replaced by a recording one."""
    # validating a scenario reads levers too, so build them all before recording; an alliance whose
    # budget shrinks a third overruns it, so the overrun share is read at year end
    overrun = Scenario.preset("hebei_county_alliance").with_overrides({"budget.global_growth": -0.3})
    presets = [*list_presets(), ("global budget overrun", overrun)]
    build: set[str] = set()
    step: set[str] = set()
    log = [build]  # where the dicts handed out now record their reads
    original = Scenario.params_at
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Scenario, "params_at", lambda self, month: _Recording(original(self, month), log[0]))
        for _name, sc in presets:
            log[0] = build
            model = SandboxModel(sc, residents=2_000, years=2, seed=5)
            log[0] = step
            try:
                model.run()
            finally:
                model.release()
    return {"build": build, "step": step}


def test_no_lever_marked_start_is_read_after_the_model_is_built(reads):
    read_in_steps_but_start = sorted(p for p in reads["step"] if BY_PATH[p].read == "start")
    assert not read_in_steps_but_start, f"read every month, so mark them read = monthly: {read_in_steps_but_start}"


def test_every_lever_marked_start_is_read_while_the_model_is_built(reads):
    never = sorted(lv.path for lv in REGISTRY if lv.read == "start" and lv.path not in reads["build"])
    assert not never, f"marked read = start but not read when the model is built: {never}"


def test_every_lever_marked_monthly_is_read_in_the_steps_of_some_preset(reads):
    # a lever read monthly only under a setting no preset uses would need a case in the fixture
    never = sorted(lv.path for lv in REGISTRY if lv.read == "monthly" and lv.path not in reads["step"])
    assert not never, f"marked read = monthly but no preset reads them during a step: {never}"


def test_the_levers_read_every_month_include_the_wait_and_the_initial_effort(reads):
    assert {"capacity.base_wait_days", "team.initial_effort"} <= reads["step"]
    assert BY_PATH["capacity.base_wait_days"].read == BY_PATH["team.initial_effort"].read == "monthly"


# ------------------------------------------------------------------ phases and `read`
@pytest.mark.parametrize("path, value", [("population.gp_per_10k", 5.0), ("capacity.tertiary_visits_per_1000", 90.0)])
def test_a_phase_that_changes_a_start_only_lever_is_refused_with_a_clear_message(path, value):
    text = f"[[phase]]\nmonth = 6\n[phase.set]\n{path} = {value}\n"
    with pytest.raises(ScenarioError) as info:
        Scenario.from_toml(text, source="late.toml")
    message = str(info.value)
    assert f"late.toml: phase[0].set.{path} = {value}" in message
    assert "read only when the model starts" in message and "month 6" in message and "top level" in message
    with pytest.raises(ScenarioError, match=path):
        Scenario.preset("baseline").with_overrides({path: value}, month=6)
    assert Scenario.preset("baseline").with_overrides({path: value}).params_at(0)[path] == value


def _run(sc: Scenario):
    return simulate(sc, residents=2_000, years=1, seed=2).timeseries.set_index("month")


def test_a_phase_changing_the_base_wait_and_the_initial_effort_is_accepted_and_takes_effect_from_its_month():
    base = Scenario.preset("baseline")
    plain = _run(base)
    waits = _run(base.with_overrides({"capacity.base_wait_days": 12.0}, month=6))
    effort = _run(Scenario.from_toml("[[phase]]\nmonth = 6\n[phase.set]\nteam.initial_effort = 1.0\n"))
    before, after = plain.index < 6, plain.index >= 6
    assert (waits.tertiary_wait_days[before] == plain.tertiary_wait_days[before]).all()
    assert waits.tertiary_wait_days[after].mean() > 2 * plain.tertiary_wait_days[after].mean()
    assert (effort.chronic_controlled[before] == plain.chronic_controlled[before]).all()
    assert effort.chronic_controlled[after].iloc[-1] > plain.chronic_controlled[after].iloc[-1]


# ------------------------------------------------------------------ `role` in scenarios and the report
def test_the_report_lists_policy_levers_as_the_reform_and_district_and_behaviour_levers_apart():
    from sandbox.compare import compare
    from sandbox.report import build_report

    base = Scenario.preset("baseline")
    reform = base.with_overrides({"signing.enabled": True, "population.urban_share": 0.8, "behaviour.habit": 0.9})
    cmp = compare({"base": base, "reform": reform}, residents=1_000, years=1, seed=3)
    for lang, headings in (
        ("en", ("Policy (the reform)", "District (the place, not policy)", "Behaviour assumptions (calibrated, not policy)")),
        ("zh", ("政策（改革内容）", "辖区特征（非政策）", "行为假设（校准参数，非政策）")),
    ):
        html = build_report(cmp, {"base": {}, "reform": reform.changed()}, lang, 1_000, 1, 3, [])
        section = html[html.index("<h3>reform</h3>") : html.index("<h2>", html.index("<h3>reform</h3>"))]
        at = [section.index(f"<h4>{h}</h4>") for h in headings]
        assert at == sorted(at), lang
        policy, place, behaviour = (section[a:b] for a, b in zip(at, [*at[1:], len(section)]))
        assert "signing.enabled" in policy and "population.urban_share" not in policy
        assert "population.urban_share" in place and "behaviour.habit" in behaviour


def test_policy_district_and_behaviour_of_a_preset_follow_the_lever_roles():
    sc = Scenario.preset("shanghai_1plus1plus1").with_overrides({"signing.renewal": 0.8})
    assert "prices.outpatient.tertiary" in sc.district() and "population.urban_share" in sc.district()
    assert "referral.binding" in sc.policy() and "signing.awareness" in sc.policy()
    assert sc.behaviour() == {"signing.renewal": 0.8}
    bare = sc.without_policy().params_at(0)
    assert bare["signing.renewal"] == 0.8 and bare["prices.outpatient.tertiary"] == 420.0
    assert bare["referral.binding"] == "soft" and bare["signing.enabled"] is False
