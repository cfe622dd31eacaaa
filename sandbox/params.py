"""The one registry of levers and behavioural parameters.

Every parameter of the model is declared here exactly once, with its default, unit, bounds,
English and Chinese label and help text, the policy group it belongs to, and the source of the
default. Scenario files, validation, the CLI, the app's widgets and the docs all read this list.

Sources: ``DEFAULTS`` means ``shared/domain/DEFAULTS.md`` (national statistics and published
behaviour estimates); ``seed NNN`` means ``shared/domain/seeds/NNN_*.txt`` via ``FACTS.md``.
"Calibration" means the value was tuned so that the baseline run reproduces the DEFAULTS figure
named in the source (see ``docs/model.md``); "assumption" marks a modelling choice with no
published figure behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GROUPS: dict[str, tuple[str, str]] = {
    "reimbursement": ("Reimbursement & deductibles", "报销与起付线"),
    "signing": ("Signing & capitation", "签约与按人头付费"),
    "referral": ("Referral rules", "转诊规则"),
    "budget": ("Alliance & team budgets", "医共体与团队预算"),
    "bonus": ("Performance bonuses", "绩效奖励"),
    "population": ("Population & district", "人口与辖区"),
    "behaviour": ("Behaviour (calibrated)", "行为参数（校准）"),
    "prices": ("Prices & capacity", "价格与容量"),
}


@dataclass(frozen=True)
class Lever:
    """One parameter: a dotted path with default, unit, bounds, labels and source."""

    path: str
    default: Any
    unit: str
    lo: float | None
    hi: float | None
    label_en: str
    label_zh: str
    help_en: str
    help_zh: str
    source: str
    group: str
    kind: str = "float"  # float | int | bool | choice
    choices: tuple[str, ...] = field(default_factory=tuple)

    def describe_range(self) -> str:
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(f'"{c}"' for c in self.choices)
        return f"[{self.lo}, {self.hi}]"


def _f(path, default, unit, lo, hi, label_en, label_zh, help_en, help_zh, source, group):
    return Lever(path, float(default), unit, lo, hi, label_en, label_zh, help_en, help_zh, source, group)


def _i(path, default, unit, lo, hi, label_en, label_zh, help_en, help_zh, source, group):
    return Lever(path, int(default), unit, lo, hi, label_en, label_zh, help_en, help_zh, source, group, "int")


def _b(path, default, label_en, label_zh, help_en, help_zh, source, group):
    return Lever(path, bool(default), "", None, None, label_en, label_zh, help_en, help_zh, source, group, "bool")


def _c(path, default, choices, label_en, label_zh, help_en, help_zh, source, group):
    return Lever(path, default, "", None, None, label_en, label_zh, help_en, help_zh, source, group, "choice", tuple(choices))


LEVELS = ("primary", "secondary", "tertiary")
LEVEL_ZH = {"primary": "基层", "secondary": "二级医院", "tertiary": "三级医院"}
SCHEMES = ("employee", "resident")
SCHEME_ZH = {"employee": "职工医保", "resident": "城乡居民医保"}
TIERS = ("healthy", "chronic", "disabled")
TIER_ZH = {"healthy": "健康人群", "chronic": "慢病人群", "disabled": "失能半失能老人"}
PAYERS = ("resident", "fund", "public_health", "city_finance", "district_finance", "civil_affairs")
PAYER_ZH = {
    "resident": "居民个人",
    "fund": "医保基金",
    "public_health": "基本公卫经费",
    "city_finance": "市财政",
    "district_finance": "区财政",
    "civil_affairs": "民政",
}


def _build() -> list[Lever]:
    L: list[Lever] = []
    R, S, F, B, BO, P, BH, PR = (
        "reimbursement",
        "signing",
        "referral",
        "budget",
        "bonus",
        "population",
        "behaviour",
        "prices",
    )

    # ---------------- reimbursement ----------------
    # Outpatient pooling rates: no national figure in DEFAULTS; calibrated so the baseline
    # primary-care share lands at 53.2% (DEFAULTS, NHC 2020) with "small level gaps".
    op_default = {"primary": 0.55, "secondary": 0.50, "tertiary": 0.45}
    for lv in LEVELS:
        L.append(
            _f(f"reimbursement.outpatient.{lv}", op_default[lv], "share", 0, 1,
               f"Outpatient reimbursement rate, {lv}", f"门诊报销比例（{LEVEL_ZH[lv]}）",
               f"Share of an outpatient bill above the deductible paid by the fund at {lv} level.",
               f"{LEVEL_ZH[lv]}门诊费用超过起付线部分由医保基金支付的比例。",
               "Calibration to primary-care share 53.2% (DEFAULTS: NHC 2020); outpatient pooling, assumption", R))
    ip = {
        "employee": {"primary": 0.894, "secondary": 0.874, "tertiary": 0.835},
        "resident": {"primary": 0.808, "secondary": 0.724, "tertiary": 0.632},
    }
    for sch in SCHEMES:
        for lv in LEVELS:
            L.append(
                _f(f"reimbursement.inpatient.{sch}.{lv}", ip[sch][lv], "share", 0, 1,
                   f"Inpatient reimbursement rate, {sch} scheme, {lv}",
                   f"住院报销比例（{SCHEME_ZH[sch]}，{LEVEL_ZH[lv]}）",
                   f"Share of an inpatient bill above the deductible paid by the fund, {sch} scheme, {lv} level.",
                   f"{SCHEME_ZH[sch]}参保人在{LEVEL_ZH[lv]}住院、超过起付线部分的基金支付比例。",
                   "DEFAULTS: NHSA 2023 statistical bulletin (in-catalogue share by level)", R))
    L += [
        _f("reimbursement.signed_primary_bonus", 0.0, "share", 0, 0.5,
           "Extra primary reimbursement for signed residents", "签约居民基层报销比例上浮",
           "Percentage points added to the primary-level rate (outpatient and inpatient) for residents with a family-doctor contract.",
           "签约居民在基层就诊时报销比例提高的百分点。",
           "seed 001: signed residents +15 pp at primary level (baseline 0: no contracts)", R),
        _f("reimbursement.referral_bonus", 0.0, "share", 0, 0.5,
           "Extra reimbursement when referred by the family doctor", "经家庭医生转诊的报销上浮",
           "Percentage points added at secondary/tertiary level when the visit or admission was referred by the resident's family doctor.",
           "经签约家庭医生转诊至上级医院时报销比例提高的百分点。",
           "seed 001: +10–15 pp at the upper hospital (baseline 0)", R),
        _f("reimbursement.bypass_penalty", 0.0, "share", 0, 1,
           "Reimbursement cut for bypassing the family doctor", "未经转诊越级就诊报销下调",
           "Percentage points removed at secondary/tertiary level for signed residents who go there without a referral by their family doctor.",
           "签约居民未经家庭医生转诊到二三级医院就诊时报销比例下调的百分点。",
           "seed 001: bypassing −5 to −10 pp (baseline 0)", R),
        _b("reimbursement.referral_settled_at_primary_rate", False,
           "Referred patients settled at the primary rate", "上转患者按基层报销比例结算",
           "Resident-scheme patients referred up by their family doctor are reimbursed at the primary-level rate.",
           "城乡居民医保参保人经家庭医生上转的，按基层报销比例结算。", "seed 002 (Hangzhou)", R),
        _f("deductible.outpatient.employee", 1000, "yuan/year", 0, 10000,
           "Annual outpatient deductible, employee scheme", "职工医保门诊年度起付线",
           "Outpatient spending a resident pays in full each year before the fund pays.",
           "每年门诊费用中由个人先行自付、达到后基金开始支付的额度。",
           "assumption: typical city outpatient pooling deductibles 500–1,800 yuan (local rules); see docs/model.md", R),
        _f("deductible.outpatient.resident", 200, "yuan/year", 0, 10000,
           "Annual outpatient deductible, resident scheme", "居民医保门诊年度起付线",
           "Outpatient spending a resident-scheme member pays in full each year before the fund pays.",
           "城乡居民医保参保人每年门诊起付线。",
           "assumption: resident outpatient pooling deductibles 0–300 yuan (local rules)", R),
        _f("deductible.signed_relief", 0, "yuan/year", 0, 10000,
           "Outpatient deductible relief for signed residents", "签约居民门诊起付线降低",
           "Amount by which the annual outpatient deductible is lowered for signed residents who use community first contact.",
           "签约且社区首诊的居民门诊起付线降低的金额。", "seed 002: Hangzhou lowered it by 300 yuan (baseline 0)", R),
    ]
    ded_ip = {"primary": 200, "secondary": 600, "tertiary": 1000}
    for lv in LEVELS:
        L.append(
            _f(f"deductible.inpatient.{lv}", ded_ip[lv], "yuan/admission", 0, 10000,
               f"Inpatient deductible per admission, {lv}", f"住院起付线（{LEVEL_ZH[lv]}）",
               f"Amount paid in full by the patient for each admission at {lv} level before the fund pays.",
               f"{LEVEL_ZH[lv]}每次住院个人先行支付的起付标准。",
               "assumption: tiered inpatient deductibles of this order are common (local rules; seed 003 names cumulative deductibles)", R))
    L += [
        _b("deductible.cumulative_upward_referral", False,
           "Cumulative deductible for upward referrals", "上转累计计算起付线",
           "An admission referred up from a primary admission pays only the difference between the two levels' deductibles.",
           "由基层上转住院的，只补交两级起付线差额。", "seed 003 (Hebei county medical communities)", R),
        _b("deductible.no_second_for_downward", False,
           "No second deductible after downward referral", "下转不再收取起付线",
           "Rehabilitation after a downward referral pays no new deductible.",
           "下转患者在基层康复不再另付起付线。", "seed 003 (Hebei)", R),
    ]

    # ---------------- signing & capitation ----------------
    L += [
        _b("signing.enabled", False, "Family-doctor contracts offered", "开展家庭医生签约",
           "Whether residents can sign a family-doctor contract at all.", "是否开展家庭医生签约服务。",
           "seeds 000–004 (contracts); baseline has none", S),
        _b("signing.tiered", False, "Tiered capitation by health group", "按健康分组分档付费",
           "If true, the team is paid the per-tier fees below (healthy / chronic / disabled); if false, every signed resident pays the healthy-tier fee.",
           "启用后按健康人群、慢病人群、失能老人分档支付签约费；否则所有人按健康人群档。", "seed 001", S),
    ]
    fee = {"healthy": 120, "chronic": 150, "disabled": 300}
    for t in TIERS:
        L.append(
            _f(f"signing.fee.{t}", fee[t], "yuan/person/year", 0, 2000,
               f"Signing fee / capitation, {t} tier", f"签约服务费（{TIER_ZH[t]}）",
               f"Yearly amount paid to the family-doctor team for each signed resident of the {t} group.",
               f"每名签约{TIER_ZH[t]}居民每年支付给家庭医生团队的签约服务费/人头费。",
               "seed 002: 120 yuan in Hangzhou; seed 001: 80 / 150 / 300 tiered" if t == "healthy" else "seed 001: tiered 150 (chronic) / 300 (disabled)", S))
    share = {
        "healthy": {"resident": 0.10, "fund": 0.0, "public_health": 0.0, "city_finance": 0.25, "district_finance": 0.65, "civil_affairs": 0.0},
        "chronic": {"resident": 0.10, "fund": 0.80, "public_health": 0.10, "city_finance": 0.0, "district_finance": 0.0, "civil_affairs": 0.0},
        "disabled": {"resident": 0.0, "fund": 0.90, "public_health": 0.0, "city_finance": 0.0, "district_finance": 0.0, "civil_affairs": 0.10},
    }
    for t in TIERS:
        for p in PAYERS:
            L.append(
                _f(f"signing.payer.{t}.{p}", share[t][p], "share", 0, 1,
                   f"Share of the {t} fee paid by {p.replace('_', ' ')}", f"{TIER_ZH[t]}签约费由{PAYER_ZH[p]}承担的比例",
                   f"Part of the {t}-tier signing fee paid by {p.replace('_', ' ')}; the six shares of a tier must sum to 1.",
                   f"{TIER_ZH[t]}签约费中由{PAYER_ZH[p]}负担的比例；同一档六项之和须为 1。",
                   "seed 002 (Hangzhou: resident 10%, city 25%, district 65%)" if t == "healthy" else "seed 001 (tiered package payer shares)", S))
    L += [
        _i("signing.team_cap_households", 800, "households/team", 1, 5000,
           "Household cap per team", "每个团队签约户数上限",
           "A team cannot sign more households than this.", "每个家庭医生团队最多签约的户数。", "seed 000: at most 800 households", S),
        _f("signing.floor", 0.03, "share/year", 0, 1,
           "Signing floor", "签约下限（无激励时的签约概率）",
           "Yearly probability that an unsigned resident signs when the contract offers no benefit and costs nothing (outreach alone).",
           "签约既无优惠也无费用时，未签约居民每年仍签约的概率（仅靠宣传动员）。",
           "assumption; pilot-city coverage 22.2% after years of outreach (DEFAULTS, NHFPC 2016)", S),
        _f("signing.awareness", 0.7, "share", 0, 1,
           "Awareness of the contract", "签约知晓率",
           "Share of residents who know the contract and its benefits; scales the response to benefits.",
           "了解签约服务及其优惠的居民比例。", "seed 004: 88% awareness in Shanghai; 0.7 assumed for a new programme", S),
        _f("signing.priority_group_boost", 1.5, "multiplier", 1, 5,
           "Outreach to priority groups", "重点人群签约动员倍数",
           "Multiplier on the signing response of elderly, chronic and disabled residents (priority groups).",
           "对老年人、慢病患者、失能人员等重点人群签约意愿的倍数。",
           "DEFAULTS: priority-group coverage 38.8% vs 22.2% overall (pilot cities 2016)", S),
        _f("signing.renewal", 0.9, "share/year", 0, 1,
           "Yearly renewal of served contracts", "已获服务签约者续约率",
           "Probability that a signed resident who used the team in the year renews.",
           "年内使用过签约团队服务的居民续约概率。", "assumption; seed 002 reports 95–99% satisfaction", S),
        _f("signing.unserved_renewal", 0.5, "share/year", 0, 1,
           "Renewal when signed but not served (签而不约)", "签而不约者续约率",
           "Probability that a signed resident who never saw the team in the year renews.",
           "签约后全年未获服务（签而不约）的居民续约概率。", "assumption; seeds 000/001 name 签而不约 as a failure mode", S),
    ]

    # ---------------- referral rules ----------------
    L += [
        _c("referral.binding", "soft", ("soft", "hard"), "Gatekeeping strength", "签约约束强度",
           "soft: free choice of any hospital; hard (Shanghai 1+1+1): signed residents keep their team + one district + one city hospital; any other hospital only through a referral by their family doctor (a primary visit first).",
           "soft：自由选择医院；hard（上海1+1+1）：签约居民固定1名家庭医生+1家区级+1家市级医院，组合外医院只能经家庭医生转诊（先到基层就诊）。",
           "seed 004", F),
        _f("referral.priority_wait_cut", 0.0, "share", 0, 1,
           "Wait reduction for referred patients", "转诊患者优先（候诊缩短比例）",
           "Share of the expected wait removed for patients referred by their family doctor (reserved slots, 'one waiver, three priorities').",
           "经家庭医生转诊患者预约、检查、住院优先，候诊时间缩短的比例。", "seeds 002, 004 (reserved slots two weeks ahead)", F),
        _f("referral.team_up_rate", 0.06, "share of visits", 0, 1,
           "Team's base upward-referral rate", "团队基础上转率",
           "Share of primary visits the team refers up when it has no financial reason to hold or push patients.",
           "团队在无经济激励时把基层门诊患者上转的比例。",
           "calibration: seed 002 reports referral of signed residents below 15%", F),
        _f("referral.down_rate", 0.05, "share of admissions", 0, 1,
           "Hospitals' base downward-referral rate", "医院基础下转率",
           "Share of secondary/tertiary admissions referred down to primary rehabilitation under fee-for-service outside an alliance.",
           "按项目付费且未加入医共体时，二三级医院住院患者下转基层康复的比例。", "assumption", F),
        _f("referral.down_payment_premium", 1.0, "multiplier", 0, 3,
           "Payment for rehabilitation after downward referral", "下转康复支付系数",
           "Multiplier on the primary rehabilitation price paid for patients referred down (1.2 = paid at 120%).",
           "下转患者在基层康复的支付标准系数（1.2 即按 120% 支付）。", "seed 001: 120% (baseline 1.0)", F),
        _b("referral.long_prescriptions", False, "Long prescriptions for chronic patients", "慢病长处方",
           "Chronic patients can get up to two months of medication at primary level, halving routine follow-up trips.",
           "慢病患者在基层可开具最长两个月用量的处方，常规复诊次数减半。", "seeds 003, 004", F),
    ]

    # ---------------- budgets ----------------
    L += [
        _c("hospital.payment_mode", "ffs", ("ffs", "drg", "global_budget"), "Hospital payment mode", "医院支付方式",
           "ffs: fee-for-service; drg: fixed price per admission group; global_budget: annual budget for the medical alliance, surplus retained / overrun shared.",
           "ffs 按项目付费；drg 按病种分组付费；global_budget 医共体总额预算，结余留用、超支分担。", "seeds 001, 003", B),
        _b("hospital.alliance", False, "Medical alliance (医共体 / 医联体)", "组建医共体/医联体",
           "Secondary and tertiary hospitals form an alliance with the primary teams; raises downward referral and shares a global budget if that mode is on.",
           "二三级医院与基层团队组成医共体，提升下转意愿；若为总额预算则共享预算。", "seeds 003, 004", B),
        _f("hospital.drg_down_multiplier", 1.5, "multiplier", 1, 5,
           "DRG effect on downward referral", "DRG 对下转的放大倍数",
           "Multiplier on hospitals' downward-referral rate under DRG (a fixed price rewards shorter stays).",
           "DRG 付费下医院下转率的倍数（定额支付鼓励缩短住院日）。", "assumption", B),
        _f("hospital.alliance_down_multiplier", 2.0, "multiplier", 1, 5,
           "Alliance effect on downward referral", "医共体对下转的放大倍数",
           "Multiplier on downward referral when hospitals are in an alliance (shared budget, shared patients).",
           "医共体内医院下转率的倍数。", "assumption; seed 003 reports more downward referral in county medical communities", B),
        _f("hospital.drg_price_factor", 0.95, "multiplier", 0.5, 1.5,
           "DRG price relative to average fee-for-service bill", "DRG 支付标准相对按项目费用",
           "Under DRG an admission is billed at this multiple of the average fee-for-service bill of its level.",
           "DRG 付费下每次住院的支付标准为该级别按项目平均费用的倍数。", "assumption (DRG pricing set near historical averages)", B),
        _f("budget.global_growth", 0.05, "share/year", -0.5, 1,
           "Allowed yearly growth of the alliance budget", "医共体总额预算年增长率",
           "The alliance budget each year is the previous year's fund spending at alliance hospitals times (1 + this).",
           "医共体年度总额预算 = 上年基金支出 ×（1 + 增长率）。", "assumption; seed 003 (总额管理)", B),
        _f("budget.global_surplus_retained", 0.5, "share", 0, 1,
           "Share of alliance surplus retained by hospitals", "医共体结余留用比例",
           "Share of an under-spend against the global budget paid to the alliance hospitals.",
           "总额预算结余中由医共体医院留用的比例。", "seed 003 (结余奖励); 50% assumed", B),
        _f("budget.global_overrun_hospital", 0.5, "share", 0, 1,
           "Share of alliance overrun borne by hospitals", "医共体超支由医院分担比例",
           "Share of an overspend against the global budget borne by the alliance hospitals (the rest by the fund).",
           "总额预算超支中由医院承担的比例，其余由基金承担。", "seed 003 (合理超支分担); 50% assumed", B),
        _b("budget.team_enabled", False, "Team budget with surplus retention", "家庭医生团队预算（结余留用）",
           "Each team holds a budget for its signed residents' fund spending: surplus partly kept by the team, overrun partly borne by it.",
           "团队对签约居民的医保支出承担预算：结余按比例留用，超支按比例分担。", "seed 001", B),
        _f("budget.team_growth", 0.0, "share/year", -0.5, 1,
           "Team budget margin over the risk-adjusted district mean", "团队预算相对风险调整均值的上浮",
           "The team budget is what its signed residents would cost the fund at the district's average for their health group and age band this year, times (1 + this).",
           "团队预算 = 签约居民按全区同健康分组、同年龄段当年人均基金支出计算的预期支出 ×（1 + 增长率）。", "assumption", B),
        _f("budget.team_surplus_share", 1.0, "share", 0, 1,
           "Share of team surplus kept by the team", "团队结余留用比例",
           "Share of an under-spend against the team budget paid to the team.",
           "团队预算结余中由团队留用的比例。", "seed 001: surplus kept by the team", B),
        _f("budget.team_overrun_share", 0.3, "share", 0, 1,
           "Share of team overrun borne by the team", "团队超支分担比例",
           "Share of an overspend against the team budget borne by the team (fund:team 7:3 gives 0.3).",
           "团队预算超支中由团队承担的比例（基金:团队 = 7:3 即 0.3）。", "seed 001: overrun fund:team = 7:3", B),
    ]

    # ---------------- bonuses ----------------
    L += [
        _f("bonus.control_rate", 0.0, "share of fees", 0, 1,
           "Bonus for chronic control (share of signing fees)", "慢病控制达标奖励（签约费比例）",
           "Bonus paid by the fund to a team whose signed chronic patients' control rate reaches the threshold and whose cost growth is below the regional mean.",
           "签约慢病患者控制率达标且费用增长低于区域平均时，按签约费比例给予团队的奖励。", "seed 001: +10% of signing fees", BO),
        _f("bonus.control_threshold", 0.85, "share", 0, 1,
           "Chronic control threshold for the bonus", "慢病控制率达标线",
           "Control rate of signed chronic patients the team must reach for the bonus.",
           "获得奖励须达到的签约慢病患者控制率。", "seed 001: >= 85%", BO),
        _f("bonus.admission_drop_rate", 0.0, "share of spending", 0, 1,
           "Bonus for fewer higher-level admissions", "上级医院住院减少奖励",
           "If the team's signed residents' admissions at higher hospitals fall by at least the threshold, it earns this share of the fund spending on its referred patients.",
           "签约居民在上级医院住院人次下降达到标准时，按转诊患者基金支出的比例奖励团队。", "seed 001: 5%", BO),
        _f("bonus.admission_drop_threshold", 0.10, "share", 0, 1,
           "Required drop in higher-level admissions", "上级医院住院下降达标线",
           "Year-on-year fall in signed residents' admissions at secondary/tertiary hospitals required for the bonus.",
           "获得奖励须达到的签约居民上级医院住院人次同比下降幅度。", "seed 001: >= 10%", BO),
    ]

    # ---------------- population ----------------
    L += [
        _f("population.urban_share", 0.66, "share", 0, 1, "Urban share", "城镇人口比例",
           "Share of residents living in urban areas (community health centres) rather than rural (township centres).",
           "居住在城镇（社区卫生服务中心）而非农村（乡镇卫生院）的居民比例。", "NBS 2023 urbanisation rate 66.2%", P),
        _f("population.employee_share", 0.278, "share", 0, 1, "Employee-scheme share", "职工医保参保比例",
           "Share of residents insured under the employee scheme (the rest under the urban-rural resident scheme).",
           "参加职工医保的居民比例（其余为城乡居民医保）。", "DEFAULTS: UEBMI 370.95 M / (370.95 + 962.94) M, NHSA 2023", P),
        _f("population.age_0_14", 0.18, "share", 0, 1, "Share aged 0–14", "0–14 岁比例", "Share of residents aged 0–14.",
           "0–14 岁居民比例。", "7th census 2020: 17.95%", P),
        _f("population.age_60_plus", 0.187, "share", 0, 1, "Share aged 60+", "60 岁及以上比例", "Share of residents aged 60 and over.",
           "60 岁及以上居民比例。", "7th census 2020: 18.70%", P),
        _f("population.hypertension_adult", 0.232, "share", 0, 1, "Hypertension prevalence (adults)", "成人高血压患病率",
           "Prevalence among adults; rises with age inside the model (see docs).", "成人高血压患病率，模型内按年龄递增。",
           "DEFAULTS: 23.2% of adults (Circulation 2018)", P),
        _f("population.diabetes_adult", 0.11, "share", 0, 1, "Diabetes prevalence (adults)", "成人糖尿病患病率",
           "Prevalence among adults; rises with age inside the model.", "成人糖尿病患病率，模型内按年龄递增。",
           "assumption: national surveys report 11–12% of adults", P),
        _f("population.disabled_elderly", 0.15, "share of 60+", 0, 1, "Disabled / semi-disabled elderly", "失能半失能老人比例",
           "Share of residents aged 60+ who are disabled or semi-disabled.", "60 岁及以上居民中失能、半失能者比例。",
           "assumption: about 40 M of 264 M aged 60+ (national ageing reports)", P),
        _f("population.gp_per_10k", 3.99, "GPs per 10,000", 0.1, 20, "GPs per 10,000 residents", "每万人全科医生数",
           "One family-doctor team per GP; sets the number of teams.", "每名全科医生组成一个家庭医生团队，决定团队数量。",
           "DEFAULTS: 3.99 (2023); Hangzhou 4.51 (seed 002)", P),
        _f("population.household_size", 2.62, "persons", 1, 10, "Persons per household", "户均人口",
           "Converts the team's household cap to residents.", "把团队户数上限换算为人数。", "7th census 2020: 2.62", P),
        _f("population.travel_primary_min", 15, "minutes", 1, 240, "Travel time to primary care", "到基层机构的出行时间",
           "Median travel time to the nearest community / township centre (rural residents ×1.5).", "到最近社区/乡镇卫生院的出行时间中位数（农村 ×1.5）。",
           "assumption (15-minute health circle policy)", P),
        _f("population.travel_secondary_min", 30, "minutes", 1, 480, "Travel time to the district hospital", "到区县级医院的出行时间",
           "Median travel time to the district (secondary) hospital (rural ×1.5).", "到区县级（二级）医院出行时间中位数（农村 ×1.5）。", "assumption", P),
        _f("population.travel_tertiary_min", 45, "minutes", 1, 480, "Travel time to the city hospital", "到市级医院的出行时间",
           "Median travel time to the city (tertiary) hospital (rural ×2).", "到市级（三级）医院出行时间中位数（农村 ×2）。", "assumption", P),
    ]

    # ---------------- prices & capacity ----------------
    L += [
        _f("prices.outpatient.primary_urban", 165.9, "yuan/visit", 0, 5000, "Visit price, community health centre", "社区卫生服务中心次均门诊费用",
           "Average cost of an outpatient visit at a community health centre.", "社区卫生服务中心次均门诊费用。", "DEFAULTS: NHC 2020 data", PR),
        _f("prices.outpatient.primary_rural", 84.7, "yuan/visit", 0, 5000, "Visit price, township health centre", "乡镇卫生院次均门诊费用",
           "Average cost of an outpatient visit at a township health centre.", "乡镇卫生院次均门诊费用。", "DEFAULTS: NHC 2020 data", PR),
        _f("prices.outpatient.secondary", 252.1, "yuan/visit", 0, 5000, "Visit price, secondary hospital", "二级医院次均门诊费用",
           "Average cost of an outpatient visit at a secondary hospital.", "二级公立医院次均门诊费用。", "DEFAULTS: NHC Jan–Nov 2023", PR),
        _f("prices.outpatient.tertiary", 389.5, "yuan/visit", 0, 5000, "Visit price, tertiary hospital", "三级医院次均门诊费用",
           "Average cost of an outpatient visit at a tertiary hospital.", "三级公立医院次均门诊费用。", "DEFAULTS: NHC Jan–Nov 2023", PR),
        _f("prices.inpatient.primary_urban", 3560, "yuan/admission", 0, 200000, "Admission price, community health centre", "社区卫生服务中心次均住院费用",
           "Average bill per admission at a community health centre.", "社区卫生服务中心次均住院费用。", "DEFAULTS: NHC 2020 data", PR),
        _f("prices.inpatient.primary_rural", 2083, "yuan/admission", 0, 200000, "Admission price, township health centre", "乡镇卫生院次均住院费用",
           "Average bill per admission at a township health centre.", "乡镇卫生院次均住院费用。", "DEFAULTS: NHC 2020 data", PR),
        _f("prices.inpatient.secondary", 6425, "yuan/admission", 0, 200000, "Admission price, secondary hospital", "二级医院次均住院费用",
           "Average bill per admission at a secondary hospital.", "二级公立医院次均住院费用。", "DEFAULTS: NHC Jan–Nov 2023", PR),
        _f("prices.inpatient.tertiary", 12879, "yuan/admission", 0, 200000, "Admission price, tertiary hospital", "三级医院次均住院费用",
           "Average bill per admission at a tertiary hospital.", "三级公立医院次均住院费用。", "DEFAULTS: NHC Jan–Nov 2023", PR),
        _f("prices.rehab_share", 0.4, "share of primary admission", 0, 2, "Rehabilitation episode price", "下转康复费用",
           "Price of a primary-level rehabilitation episode after downward referral, as a share of a primary admission.",
           "下转后基层康复一次的费用，占基层住院费用的比例。", "assumption", PR),
        _f("capacity.secondary_visits_per_1000", 200, "visits/1000 residents/month", 1, 1000, "Secondary outpatient capacity", "二级医院门诊容量",
           "Outpatient visits the district's secondary hospitals handle per month per 1,000 residents without queueing.",
           "辖区二级医院每千人每月可接诊的门诊量（超过即排队）。", "calibration: about 71–79% bed occupancy (DEFAULTS) at baseline volumes", PR),
        _f("capacity.tertiary_visits_per_1000", 115, "visits/1000 residents/month", 1, 1000, "Tertiary outpatient capacity", "三级医院门诊容量",
           "Outpatient visits the tertiary hospitals handle per month per 1,000 residents without queueing.",
           "三级医院每千人每月可接诊的门诊量（超过即排队）。", "calibration: about 71–79% occupancy (DEFAULTS) at baseline volumes", PR),
        _f("capacity.base_wait_days", 3.0, "days", 0, 60, "Base wait at tertiary hospitals", "三级医院基础候诊天数",
           "Expected wait for a tertiary appointment at 100% utilisation; grows steeply beyond.", "三级医院满负荷时的预约等待天数，超负荷时陡增。",
           "assumption; DCE waiting levels 0–12 days (DEFAULTS, Yan et al. 2022)", PR),
    ]

    # ---------------- insurance fund ----------------
    L += [
        _f("fund.premium.employee", 3800, "yuan/person/year", 0, 50000, "Fund revenue per employee-scheme member", "职工医保人均统筹基金收入",
           "Pooled-fund revenue per employee-scheme member per year.", "职工医保每人每年统筹基金收入。",
           "assumption: set so the baseline fund roughly balances; replace with local figure", "population"),
        _f("fund.premium.resident", 1098, "yuan/person/year", 0, 50000, "Fund revenue per resident-scheme member", "居民医保人均基金收入",
           "Pooled-fund revenue per resident-scheme member per year.", "居民医保每人每年基金收入。",
           "DEFAULTS: URRBMI revenue 1,056.97 bn / 962.94 M members (NHSA 2023)", "population"),
        _f("fund.initial_months", 8.5, "months of spending", 0, 60, "Initial fund balance", "基金初始累计结余",
           "Starting balance expressed in months of revenue.", "以月收入计的基金期初结余。", "DEFAULTS: URRBMI balance 8.5 months (NHSA 2023)", "population"),
    ]

    # ---------------- behaviour (calibrated) ----------------
    L += [
        _f("behaviour.minor_episodes_per_year", 5.5, "episodes/person/year", 0, 50, "Minor illness episodes", "轻症发病次数",
           "Yearly minor episodes of an adult aged 15–59 (children ×1.3, 60+ ×1.6).", "15–59 岁成人每年轻症次数（儿童 ×1.3，老人 ×1.6）。",
           "calibration: 6.0–6.8 visits per resident per year (DEFAULTS, NHC)", BH),
        _f("behaviour.chronic_followups_per_year", 6.0, "visits/year", 0, 24, "Chronic follow-up need", "慢病随访需求",
           "Routine follow-up visits a chronic patient needs per year (halved by long prescriptions).", "慢病患者每年需要的常规随访次数（长处方减半）。",
           "assumption: national hypertension guideline asks for quarterly to monthly follow-up", BH),
        _f("behaviour.admission_rate", 0.118, "admissions/person/year", 0, 2, "Baseline admission risk", "基础住院风险",
           "Yearly admission risk of a controlled adult 15–59 before age and condition multipliers.", "15–59 岁、无未控制慢病者每年住院风险（再乘年龄和疾病倍数）。",
           "calibration: 17.5% hospitalisation rate (DEFAULTS, NHC 2022)", BH),
        _f("behaviour.uncontrolled_admission_multiplier", 1.8, "multiplier", 1, 10, "Admission risk if chronic disease uncontrolled", "慢病未控制住院风险倍数",
           "Multiplier on admission risk for a chronic patient whose disease is not controlled.", "慢病未控制者住院风险倍数。", "assumption", BH),
        _f("behaviour.control_without_followup", 0.10, "share", 0, 1, "Control without regular follow-up", "无规律随访时的控制率",
           "Probability that a chronic patient without regular primary follow-up is controlled.", "无规律基层随访的慢病患者处于控制状态的概率。",
           "calibration: 15.3% of hypertensives controlled nationally (DEFAULTS, Circulation 2018)", BH),
        _f("behaviour.control_with_followup", 0.55, "share", 0, 1, "Control with regular follow-up at full effort", "规律随访且团队全力投入时的控制率",
           "Probability of control with regular primary follow-up when the team's effort is 1 (scales with effort).", "规律基层随访且团队投入为 1 时的控制概率（随投入按比例变化）。",
           "seed 001: structured management raised glucose control 62% → 83%", BH),
        _f("behaviour.beta_oop", 1.9, "utility per 100 yuan", 0, 20, "Weight on out-of-pocket cost", "自付费用权重",
           "Disutility of 100 yuan out-of-pocket (divided by the income factor of the quintile).", "自付 100 元的负效用（按收入五分位调整）。",
           "calibration: price elasticity near −0.5 (DEFAULTS, Health Policy 2011); reimbursement weight 45% (Yan et al. 2022)", BH),
        _f("behaviour.beta_oop_inpatient", 0.25, "utility per 1,000 yuan", 0, 20, "Weight on out-of-pocket cost of an admission", "住院自付费用权重",
           "Disutility of 1,000 yuan out-of-pocket for an admission (divided by the income factor); lower per yuan than outpatient because treatment effect dominates for serious illness.",
           "住院自付 1000 元的负效用（按收入调整）；重症时疗效权重更大，故每元敏感度低于门诊。",
           "calibration: admission price elasticity −0.37 (DEFAULTS, Health Policy 2011); Liu et al. 2019 (severe illness)", BH),
        _f("behaviour.beta_travel", 0.02, "utility per minute", 0, 1, "Weight on travel time", "出行时间权重",
           "Disutility per minute of travel.", "每分钟出行时间的负效用。", "DEFAULTS: distance weight 14.4% (Yan et al. 2022), scaled", BH),
        _f("behaviour.beta_wait", 0.077, "utility per day", 0, 2, "Weight on waiting", "等待时间权重",
           "Disutility per day of expected wait.", "每天预期等待的负效用。", "DEFAULTS: waiting part-worths +0.464 (none) to −0.461 (12 days), Yan et al. 2022", BH),
        _f("behaviour.quality_secondary", 1.1, "utility", -5, 5, "Perceived quality, secondary (minor illness)", "二级医院感知质量（轻症）",
           "Utility of a secondary hospital relative to primary for a minor episode (×1.5 for serious, ×0.6 for chronic follow-up).", "轻症时二级医院相对基层的效用（重症 ×1.5，慢病随访 ×0.6）。",
           "DEFAULTS: facility-level part-worths (Yan et al. 2022), calibrated", BH),
        _f("behaviour.quality_tertiary", 2.1, "utility", -5, 5, "Perceived quality, tertiary (minor illness)", "三级医院感知质量（轻症）",
           "Utility of a tertiary hospital relative to primary for a minor episode (×1.5 for serious, ×0.6 for chronic follow-up).", "轻症时三级医院相对基层的效用（重症 ×1.5，慢病随访 ×0.6）。",
           "DEFAULTS: facility-level part-worths (Yan et al. 2022), calibrated", BH),
        _f("behaviour.famous_share", 0.4, "share", 0, 1, "Preference for a famous outside hospital", "偏好外地名院的比例",
           "Share of tertiary-seeking episodes for which the preferred tertiary hospital lies outside the resident's 1+1+1 set.",
           "寻求三级医疗时首选医院不在居民 1+1+1 组合内的比例。", "assumption", BH),
        _f("behaviour.no_care_minor", -3.2, "utility", -10, 10, "Utility of no care (minor)", "轻症不就医效用",
           "Utility of staying home for a minor episode, relative to primary care.", "轻症不就医相对于基层就医的效用。",
           "calibration: visits per resident (DEFAULTS)", BH),
        _f("behaviour.trust_signed", 1.5, "utility", 0, 5, "Trust in own family doctor", "对签约医生的信任",
           "Extra utility of primary care for signed residents (continuity and trust), times the team's effort.", "签约居民到自己家庭医生处就诊的额外效用（乘团队投入）。",
           "calibration: Hangzhou signed 64.7% vs unsigned 48.5% community share (seed 002)", BH),
        _f("behaviour.habit", 0.5, "utility", 0, 5, "Habit", "就医习惯",
           "Extra utility of the level used at the previous visit.", "上次就诊所在级别的额外效用。", "assumption", BH),
        _f("behaviour.signing_benefit_weight", 0.0012, "per yuan", 0, 1, "Signing response to benefits", "签约对优惠的敏感度",
           "Response of the yearly signing probability to the expected yuan value of the contract's benefits.", "年度签约概率对签约预期优惠（元）的敏感度。",
           "calibration: Hangzhou signing coverage above 30% after 3 years (seed 002)", BH),
        _f("behaviour.signing_fee_weight", 0.012, "per yuan", 0, 1, "Signing response to own fee", "签约对自付签约费的敏感度",
           "Response of the yearly signing probability to the resident's own share of the fee.", "年度签约概率对个人自付签约费的敏感度。", "assumption", BH),
        _f("team.effort_cost", 60, "yuan/signed chronic resident/year", 0, 1000, "Team's cost of full effort", "团队全力投入成本",
           "Yearly cost to a team of raising effort from 0 to 1 per signed chronic patient (effort cost is quadratic).",
           "团队对每名签约慢病患者把投入由 0 提高到 1 的年度成本（二次成本）。", "seed 001: full-cycle hypertension management ~180 yuan/yr", BH),
        _f("team.initial_effort", 0.5, "share", 0, 1, "Initial team effort", "团队初始投入",
           "Effort (0–1) teams start with.", "团队起始投入水平（0–1）。", "assumption", BH),
        _f("team.adaptation", 0.5, "share/year", 0, 1, "Speed of team adaptation", "团队调整速度",
           "Share of the gap to the best-paying effort and referral rate a team closes each year.", "团队每年向最有利投入和转诊水平调整的比例。", "assumption", BH),
    ]
    return L


REGISTRY: tuple[Lever, ...] = tuple(_build())
BY_PATH: dict[str, Lever] = {lv.path: lv for lv in REGISTRY}
assert len(BY_PATH) == len(REGISTRY), "duplicate lever path"


def defaults() -> dict[str, Any]:
    """A fresh dict of every lever's default, keyed by dotted path."""
    return {lv.path: lv.default for lv in REGISTRY}
