"""Interface strings in Chinese and English, and number formats that follow the language
(万 / 亿元 in Chinese, k / M in English). No UI code here."""

from __future__ import annotations

import math

from . import outcomes
from .params import GROUPS, Lever

LANGS = ("zh", "en")

STRINGS: dict[str, tuple[str, str]] = {
    # key: (Chinese, English)
    "app_title": ("基层医改政策沙盘", "Primary-care reform sandbox"),
    "language": ("语言 / Language", "Language / 语言"),
    "page_compare": ("情景比较", "Compare scenarios"),
    "page_glossary": ("术语表", "Glossary"),
    "page_walkthrough": ("城市案例导览", "Guided walkthrough"),
    "presentation": ("演示模式（大字卡片）", "Presentation mode (large cards)"),
    "baseline": ("基线情景", "Baseline scenario"),
    "reform_preset": ("改革方案起点（预设）", "Reform starts from preset"),
    "more_reforms": ("另加比较的预设方案（最多 3 个）", "Also compare presets (up to 3)"),
    "residents": ("模拟居民数", "Residents simulated"),
    "years": ("模拟年数", "Years"),
    "replicates": ("重复次数（不确定性）", "Replicates (uncertainty)"),
    "seed": ("随机种子", "Random seed"),
    "levers": ("政策杠杆", "Policy levers"),
    "changed": ("已修改", "changed"),
    "reset_group": ("重置本组", "Reset this group"),
    "lever_group": ("杠杆分组", "Lever group"),
    "reset": ("重置", "reset"),
    "changed_levers": ("已修改的杠杆", "Levers changed"),
    "none_changed": ("未修改任何杠杆（改革方案与其预设相同）。", "No lever changed (the reform equals its preset)."),
    "headline": ("核心结果（最后一年）", "Headline outcomes (last year)"),
    "vs_baseline": ("与基线相比", "vs baseline"),
    "interval": ("10–90% 区间", "10–90% interval"),
    "reform": ("改革方案", "Reform"),
    "modified": ("（已调整）", " (modified)"),
    "timeseries": ("月度变化", "Month by month"),
    "spending": ("基金支出构成（每人每年，元）", "Fund spending by category and level (yuan per resident per year)"),
    "groups": ("分人群结果", "Results by population group"),
    "dimension": ("分组维度", "Group by"),
    "outcome": ("指标", "Outcome"),
    "month": ("月", "Month"),
    "scenario": ("情景", "Scenario"),
    "difference": ("差值", "Difference"),
    "yuan_per_resident": ("元/人/年", "yuan per resident per year"),
    "downloads": ("下载与分享", "Download and share"),
    "download_toml": ("下载改革方案（TOML）", "Download reform scenario (TOML)"),
    "download_csv": ("下载结果（CSV）", "Download results (CSV)"),
    "download_xlsx": ("下载结果（Excel）", "Download results (Excel)"),
    "download_html": ("下载比较报告（HTML）", "Download comparison report (HTML)"),
    "share_link": (
        "本页链接已包含当前方案、语言和运行设置（居民数、年数、重复次数、随机种子），复制地址栏即可分享同一比较。",
        "The page address holds the current scenario, language and run settings (residents, years, replicates, seed): copy it to share the same comparison.",
    ),
    "upload": ("上传情景文件（TOML）", "Upload a scenario file (TOML)"),
    "paste": ("或粘贴 TOML 文本", "or paste TOML text"),
    "load_pasted": ("载入粘贴的方案", "Load pasted scenario"),
    "upload_error": (
        "文件有误，未载入（当前方案保持不变）：",
        "The file has problems and was not loaded (the current scenario is kept):",
    ),
    "upload_ok": ("已载入方案：", "Loaded scenario:"),
    "invalid_reform": ("当前杠杆组合无效：", "The current lever settings are not valid:"),
    "running": ("正在模拟……", "Simulating…"),
    "question": (
        "例如：把基层报销比例提高 10 个百分点、每名签约居民付给团队 150 元，基层就诊占比和基金支出会怎样？",
        "For example: what happens to primary-care share and fund spending if the primary rate rises 10 points and teams get 150 yuan per signed resident?",
    ),
    "glossary_terms": ("关键术语", "Key terms"),
    "glossary_levers": ("全部杠杆", "All levers"),
    "glossary_outcomes": ("结果指标", "Outcomes"),
    "source": ("来源", "Source"),
    "default": ("默认值", "Default"),
    "range": ("取值范围", "Range"),
    "unit": ("单位", "Unit"),
    "field_name": ("结果文件中的列名", "Column in result files"),
    "behaviour_draws": ("行为参数抽样（次）", "Behaviour draws"),
    "behaviour_draws_help": (
        "在文献给出的合理范围内对全部行为参数做拉丁超立方抽样；每次抽样同时用于基线和改革（相同随机种子），看结论是否依赖行为假设。0 = 只用默认值。",
        "Latin-hypercube draws of every behavioural parameter from its plausible range; each draw is applied to the baseline and the reforms alike (same seeds), to see whether a conclusion depends on behavioural assumptions. 0 = defaults only.",
    ),
    "robustness": ("对行为假设的稳健性", "Robustness to behavioural assumptions"),
    "robustness_caption": (
        "差值：默认行为参数下与基线的配对差；范围：默认值及各次抽样下的差值；稳健 = 所有情形符号一致。这与重复运行的随机区间不同。",
        "Difference: paired difference against the baseline under default behaviour; range: the difference under the defaults and every draw; robust = the same sign in all of them. This is apart from the seed-to-seed interval of replicates.",
    ),
    "across_behaviour": ("行为假设下的范围", "Range across behaviour"),
    "verdict": ("结论", "Verdict"),
    "verdict_robust": ("稳健", "robust"),
    "verdict_depends": ("取决于行为假设", "depends on assumptions"),
    "verdict_none": ("无影响", "no effect"),
    "verdict_n/a": ("—", "—"),
    "formula": ("计算公式（按月度记录汇总）", "Formula (over the period's monthly rows)"),
    "per_team": ("按团队年度收入", "over the year's teams"),
    "shown_in": ("显示位置", "Shown in"),
    "tag_card": ("核心卡片", "headline cards"),
    "tag_report": ("报告", "report"),
    "tag_timeseries": ("月度图", "monthly chart"),
    "tag_group": ("分组结果", "results by group"),
    "tag_cli": ("命令行摘要", "command-line summary"),
    "tag_batch": ("批量实验", "batch experiments"),
    "tag_spending": ("基金支出构成", "fund spending by category"),
    "tag_walkthrough": ("城市案例导览", "walkthrough"),
    "lever_path": ("参数路径（情景文件中的写法）", "Lever path (as written in scenario files)"),
    "meaning": ("含义", "Meaning"),
    "walk_intro": (
        "三个种子城市的改革：改了什么，模型显示了什么。每一步把该城市的改革与同一辖区不改革相比（同样的人口、价格和随机数），差别即政策的效果。",
        "Three seed cities' reforms: what was changed and what the model shows. Each step compares the city's reform with the same district without it (same people, prices and random numbers), so the difference is the policy's effect.",
    ),
    "walk_district": ("辖区特征（两边相同）", "The district (the same on both sides)"),
    "walk_changed": ("政策改了什么", "What the policy changed"),
    "walk_no_reform": ("同一辖区，未改革", "Same district, no reform"),
    "vs_no_reform": ("与未改革相比", "vs no reform"),
    "walk_shows": ("模型显示", "What the model shows"),
    "assumptions": ("假设与来源", "Assumptions and sources"),
    "changed_policy": ("政策（改革内容）", "Policy (the reform)"),
    "changed_place": ("辖区特征（非政策）", "District (the place, not policy)"),
    "changed_behaviour": ("行为假设（校准参数，非政策）", "Behaviour assumptions (calibrated, not policy)"),
    "read_start": ("建模时读取一次", "start"),
    "read_monthly": ("每月读取", "monthly"),
    "role_policy": ("政策", "policy"),
    "role_place": ("辖区", "place"),
    "role_behaviour": ("行为", "behaviour"),
    "model_version": ("模型版本", "Model version"),
}

CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    # population dimensions and groups
    "area": ("城乡", "Urban / rural"),
    "age_band": ("年龄段", "Age band"),
    "chronic": ("慢病", "Chronic condition"),
    "condition": ("慢病病种", "Condition"),
    "hypertension": ("高血压", "hypertension"),
    "diabetes": ("糖尿病", "diabetes"),
    "both": ("高血压合并糖尿病", "both"),
    "scheme": ("医保类型", "Insurance scheme"),
    "income_quintile": ("收入五分位", "Income quintile"),
    "contract": ("签约状态", "Contract"),
    "urban": ("城镇", "urban"),
    "rural": ("农村", "rural"),
    "no chronic": ("无慢病", "no chronic"),
    "employee": ("职工医保", "employee"),
    "resident": ("居民医保", "resident"),
    "signed": ("已签约", "signed"),
    "unsigned": ("未签约", "unsigned"),
}


def label(key: str, lang: str) -> str:
    """Chinese or English name of a spending category, population dimension or group."""
    if key in outcomes.OUTCOME:
        return outcomes.label(key, lang)
    zh, en = CATEGORY_LABELS.get(key, (key, key))
    return zh if lang == "zh" else en


TERMS: list[tuple[str, str, str]] = [
    # (Chinese term, Chinese explanation, English explanation)
    (
        "家庭医生签约服务",
        "居民与基层家庭医生团队签订服务协议，团队负责其基本医疗、公共卫生和健康管理。",
        "A contract between a resident and a primary-care family-doctor team, which then provides basic care, public health and health management.",
    ),
    (
        "签约服务费",
        "按签约人数每年支付给家庭医生团队的费用，由医保基金、公卫经费、财政和个人分担。",
        "A yearly fee per signed resident paid to the team, shared by the insurance fund, the public-health budget, government finance and the resident.",
    ),
    (
        "按人头付费（分档）",
        "按签约居民的健康分组（健康、慢病、失能）支付不同标准的人头费。",
        "Capitation paid at different rates by health group (healthy, chronic, disabled).",
    ),
    (
        "起付线",
        "一年（门诊）或一次住院中，先由个人自付、达到后医保才开始报销的金额。",
        "The deductible: what a patient pays in full each year (outpatient) or per admission before the fund starts to pay.",
    ),
    (
        "报销比例",
        "超过起付线部分由医保基金支付的比例；各级医疗机构不同，基层更高以引导就医。",
        "The share of a bill above the deductible paid by the fund; higher at primary level to steer patients.",
    ),
    (
        "结余留用",
        "实际支出低于预算时，结余部分按比例留给团队或医共体使用。",
        "Surplus retention: when spending is below budget, the provider keeps part of the difference.",
    ),
    (
        "超支分担",
        "实际支出超过预算时，超出部分由医保与医疗机构按比例分担（如 7:3）。",
        "Overrun sharing: spending above budget is split between the fund and the provider (e.g. 7:3).",
    ),
    (
        "总额预算",
        "医保对医共体或医院设定年度支出总额，按结余留用、超支分担结算。",
        "Global budget: a yearly spending envelope for an alliance or hospital, settled with surplus retention and overrun sharing.",
    ),
    (
        "双向转诊",
        "基层向上级医院上转疑难重症，上级医院把康复期患者下转回基层。",
        "Two-way referral: primary care refers complex cases up; hospitals refer recovering patients down.",
    ),
    (
        "医共体 / 医联体",
        "县级医院与乡镇卫生院（或城市三级医院与社区）组成的联合体，共享预算和患者。",
        "Medical alliance: a county (or city) hospital with primary centres, sharing budgets and patients.",
    ),
    (
        "1+1+1 组合签约",
        "上海模式：签约 1 名家庭医生 + 1 家区级医院 + 1 家市级医院，组合外就诊须经转诊。",
        "Shanghai 1+1+1: one family doctor + one district + one city hospital; others only by referral.",
    ),
    (
        "签而不约",
        "签约后未获得实际服务，居民不知道自己的家庭医生，续约意愿下降。",
        "'Signed but not served': residents sign but receive no care from the team and are less likely to renew.",
    ),
    (
        "DRG 付费",
        "按疾病诊断相关分组对每次住院定额付费，激励缩短住院、及时下转。",
        "Diagnosis-related-group payment: a fixed price per admission, rewarding shorter stays and timely downward referral.",
    ),
]


def t(key: str, lang: str) -> str:
    zh, en = STRINGS[key]
    return zh if lang == "zh" else en


CHOICE_LABELS: dict[str, tuple[str, str]] = {
    "ffs": ("按项目付费", "fee-for-service"),
    "drg": ("按病组付费（DRG）", "DRG"),
    "global_budget": ("总额预算", "global budget"),
    "soft": ("软签约（自由就医）", "soft signing (free choice)"),
    "hard": ("硬绑定（1+1+1）", "hard binding (1+1+1)"),
    # payers of the capability levers (capability.*_payer)
    "fund": ("医保基金", "insurance fund"),
    "district_finance": ("区财政", "district finance"),
    "city_finance": ("市财政", "city finance"),
    "public_health": ("基本公卫经费", "public-health funds"),
    "hospital": ("牵头医院", "lead hospital"),
    "signed": ("仅签约居民", "signed residents only"),
    "resident_scheme": ("全部城乡居民医保参保人", "every resident-scheme member"),
    "all_insured": ("全部参保人", "every insured resident"),
}


def choice_label(value: str, lang: str) -> str:
    """The name of a choice lever's option (payment mode, binding, gatekeeping scope) in the chosen language."""
    zh, en = CHOICE_LABELS.get(value, (value, value))
    return zh if lang == "zh" else en


def fmt_lever_value(lever: Lever, value, lang: str) -> str:
    """A lever's value for people: yes/no for switches, % for shares, yuan with its unit word."""
    if lever.kind == "bool":
        return ("是" if value else "否") if lang == "zh" else ("on" if value else "off")
    if lever.kind == "choice":
        return choice_label(value, lang)
    if lever.kind == "int":
        return str(value)
    if lever.unit.startswith("share"):
        return f"{100 * value:.4g}%"
    if lever.unit.startswith("yuan"):
        return f"{value:,.4g}" + (" 元" if lang == "zh" else " yuan")
    return f"{value:.4g}"


def lever_label(lever: Lever, lang: str) -> str:
    return lever.label_zh if lang == "zh" else lever.label_en


LEVER_UNITS_ZH: dict[str, str] = {
    "log-odds": "对数几率",
    "log-odds per share": "对数几率/占比",
    "log-odds per 10 minutes": "对数几率/10分钟",
    "log-odds per unit of perceived quality": "对数几率/单位感知质量",
    "": "",
    "FTE per 10,000": "全时当量/万人",
    "GPs per 10,000": "每万人全科医生数",
    "admissions/person/year": "人次/人/年（住院）",
    "days": "天",
    "episodes/person/year": "次/人/年（发病）",
    "exponent": "幂指数",
    "households/team": "户/团队",
    "minutes": "分钟",
    "months of spending": "月（按月支出计）",
    "multiplier": "倍数",
    "per yuan": "每元",
    "persons": "人",
    "share": "比例",
    "share per FTE per 10,000": "比例/（每万人全时当量）",
    "share per visit": "比例/次就诊",
    "share per yuan/person/year": "比例/（元/人/年）",
    "share/month": "比例/月",
    "share of 60+": "占 60 岁以上人口比例",
    "share of admissions": "占住院比例",
    "share of fees": "占签约费比例",
    "share of primary admission": "占基层住院费用比例",
    "share of requests": "占申请比例",
    "share of spending": "占支出比例",
    "share of visits": "占门诊比例",
    "share/year": "比例/年",
    "utility": "效用",
    "utility per 1,000 yuan": "效用/千元",
    "utility per 100 yuan": "效用/百元",
    "utility per day": "效用/天",
    "utility per minute": "效用/分钟",
    "visits/1000 residents/month": "人次/千人/月",
    "visits/year": "人次/年",
    "yuan/FTE/year": "元/全时当量/年",
    "yuan/GP/year": "元/全科医生/年",
    "yuan/admission": "元/次住院",
    "yuan/chronic patient/year": "元/慢病患者/年",
    "yuan/person/year": "元/人/年",
    "yuan/signed chronic resident/year": "元/签约慢病患者/年",
    "yuan/visit": "元/次门诊",
    "yuan/year": "元/年",
}


def lever_unit(lever: Lever, lang: str) -> str:
    """A lever's unit in the chosen language."""
    return LEVER_UNITS_ZH.get(lever.unit, lever.unit) if lang == "zh" else lever.unit


def lever_help(lever: Lever, lang: str) -> str:
    text = lever.help_zh if lang == "zh" else lever.help_en
    unit = f" ({lever_unit(lever, lang)})" if lever.unit else ""
    return f"{text}{unit} — {t('source', lang)}: {lever.source}"


def group_title(group: str, lang: str) -> str:
    en, zh = GROUPS[group]
    return zh if lang == "zh" else en


def outcome_label(outcome: str, lang: str) -> str:
    return outcomes.label(outcome, lang)


UNIT_LABELS: dict[str, tuple[str, str]] = {
    "share": ("占比", "share"),
    "days": ("天", "days"),
    "per year": ("人次/年", "per year"),
    "residents/year": ("人/年", "residents per year"),
    "yuan": ("元", "yuan"),
    "yuan/year": ("元/年", "yuan per year"),
}


def unit_label(unit: str, lang: str) -> str:
    """An outcome's unit as an axis title in the chosen language."""
    zh, en = UNIT_LABELS.get(unit, (unit, unit))
    return zh if lang == "zh" else en


def fmt_number(x: float, lang: str, digits: int = 1) -> str:
    """A plain number: 万 / 亿 in Chinese, k / M / bn in English."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    a = abs(x)
    if lang == "zh":
        if a >= 1e8:
            return f"{x / 1e8:,.2f} 亿"
        if a >= 1e4:  # at least one decimal below 100 万, so 21,000 reads 2.1 万, not 2 万
            return f"{x / 1e4:,.{max(digits, 1) if a < 1e6 else digits}f} 万"
        return f"{x:,.{digits}f}"
    if a >= 1e9:
        return f"{x / 1e9:,.2f} bn"
    if a >= 1e6:
        return f"{x / 1e6:,.2f} M"
    if a >= 1e4:
        return f"{x / 1e3:,.{digits}f} k"
    return f"{x:,.{digits}f}"


def fmt_value(x: float, unit: str, lang: str) -> str:
    """A value in its unit: shares as %, yuan with 元 / yuan, days, counts."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if unit == "share":
        return f"{100 * x:.1f}%"
    if "yuan" in unit:
        n = fmt_number(x, lang, 0)
        if lang == "zh":
            return n + ("元" if n.endswith(("万", "亿")) else " 元")  # 万元 / 亿元 are one word
        return n + " yuan"
    if unit == "days":
        return f"{x:.1f}" + (" 天" if lang == "zh" else " days")
    return fmt_number(x, lang, 0)


def fmt_delta(d: float, unit: str, lang: str) -> str:
    """A difference: shares in percentage points, others in their unit, always signed."""
    if d is None or (isinstance(d, float) and math.isnan(d)):
        return "—"
    sign = "+" if d >= 0 else "-"  # ASCII minus: Streamlit reads it to point the delta arrow down
    if unit == "share":
        return f"{sign}{abs(100 * d):.1f}" + (" 个百分点" if lang == "zh" else " pp")
    return sign + fmt_value(abs(d), unit, lang)
