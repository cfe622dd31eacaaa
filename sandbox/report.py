"""A one-file HTML report of a comparison (levers changed, headline table, charts, assumptions and
sources, model version, seed) that a planner can mail to a colleague. No UI code here."""

from __future__ import annotations

import html
from datetime import date

import plotly.graph_objects as go

from . import outcomes
from ._version import __version__
from .compare import Comparison
from .i18n import fmt_delta, fmt_value, lever_label, outcome_label, t
from .params import BY_PATH
from .results import git_commit

# the levers changed by a scenario, shown in this order: the reform itself, then what is not policy
ROLE_SECTIONS = (("policy", "changed_policy"), ("place", "changed_place"), ("behaviour", "changed_behaviour"))


def _levers_changed(changes: dict[str, dict], lang: str) -> list[str]:
    """HTML parts listing each scenario's changed levers: policy levers as the reform, then place
    (district) and behaviour levers separately, each under its own labelled heading."""
    e = html.escape
    parts: list[str] = []
    for name, ch in changes.items():
        parts.append(f"<h3>{e(name)}</h3>")
        if not ch:
            parts.append(f"<p>{e(t('none_changed', lang))}</p>")
            continue
        for role, title in ROLE_SECTIONS:
            rows = {path: v for path, v in ch.items() if BY_PATH[path].role == role}
            if not rows:
                continue
            value_head = t("reform" if role == "policy" else "scenario", lang)
            parts.append(
                f"<h4>{e(t(title, lang))}</h4><table><tr><th>{e(t('levers', lang))}</th>"
                f"<th>{e(t('default', lang))}</th><th>{e(value_head)}</th></tr>"
            )
            for path, v in rows.items():
                lv = BY_PATH[path]
                parts.append(
                    f"<tr><td>{e(lever_label(lv, lang))} <code>{e(path)}</code></td>"
                    f"<td>{e(str(lv.default))}</td><td>{e(str(v))}</td></tr>"
                )
            parts.append("</table>")
    return parts


def _robustness_section(comparison: Comparison, lang: str) -> list[str]:
    """The headline differences with their range across behaviour draws and the verdict on their
    sign (nothing when the comparison ran without draws)."""
    if not comparison.draws:
        return []
    e = html.escape
    rob = comparison.robustness()
    parts = [
        f"<h2>{e(t('robustness', lang))}</h2><p>{e(t('robustness_caption', lang))} ({len(comparison.draws)} "
        f"{e(t('behaviour_draws', lang))})</p><table><tr><th>{e(t('scenario', lang))}</th><th>{e(t('outcome', lang))}</th>"
        f"<th>{e(t('difference', lang))}</th><th>{e(t('across_behaviour', lang))}</th><th>{e(t('verdict', lang))}</th></tr>"
    ]
    for _, r in rob[rob.outcome.isin(outcomes.tagged("report"))].iterrows():
        unit = outcomes.unit(r.outcome)
        span = f"{fmt_delta(r.draw_min, unit, lang)} … {fmt_delta(r.draw_max, unit, lang)}"
        parts.append(
            f"<tr><td>{e(r.scenario)}</td><td>{e(outcome_label(r.outcome, lang))}</td><td>{e(fmt_delta(r['diff'], unit, lang))}</td>"
            f"<td>{e(span)}</td><td>{e(t(f'verdict_{r.verdict}', lang))}</td></tr>"
        )
    parts.append("</table>")
    return parts


def build_report(
    comparison: Comparison,
    changes: dict[str, dict],
    lang: str,
    residents: int,
    years: int,
    seed: int,
    figures: list[go.Figure],
) -> str:
    """HTML text; ``changes`` maps scenario name -> {lever path: value} that differ from defaults."""
    e = html.escape
    head = comparison.headline()
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{e(t('app_title', lang))}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
        "th:first-child,td:first-child{text-align:left}</style></head><body>",
        f"<h1>{e(t('app_title', lang))}</h1>",
        f"<p>{e(t('model_version', lang))}: {e(__version__)} ({e(git_commit() or 'unknown commit')}) · "
        f"{residents:,} {e(t('residents', lang))} · {years} {e(t('years', lang))} · {e(t('seed', lang))} {seed} · "
        f"{e(t('replicates', lang))} {len(comparison.runs[comparison.baseline])} · {date.today().isoformat()}</p>",
        f"<h2>{e(t('changed_levers', lang))}</h2>",
    ]
    parts += _levers_changed(changes, lang)
    parts.append(f"<h2>{e(t('headline', lang))}</h2><table><tr><th>{e(t('outcome', lang))}</th>")
    parts += [f"<th>{e(n)}</th>" for n in comparison.names]
    parts.append("</tr>")
    for out in outcomes.tagged("report"):
        unit = outcomes.unit(out)
        parts.append(f"<tr><td>{e(outcome_label(out, lang))}</td>")
        for n in comparison.names:
            row = head[(head.scenario == n) & (head.outcome == out)].iloc[0]
            cell = fmt_value(row.value, unit, lang)
            if n != comparison.baseline:
                cell += f" ({fmt_delta(row['diff'], unit, lang)})"
            parts.append(f"<td>{e(cell)}</td>")
        parts.append("</tr>")
    parts.append("</table>")
    parts += _robustness_section(comparison, lang)
    for i, fig in enumerate(figures):
        parts.append(fig.to_html(full_html=False, include_plotlyjs="inline" if i == 0 else False))
    parts.append(f"<h2>{e(t('assumptions', lang))}</h2><ul>")
    for path in sorted({p for ch in changes.values() for p in ch}):
        lv = BY_PATH[path]
        parts.append(f"<li><code>{e(path)}</code>: {e(lv.source)}</li>")
    parts.append(
        "<li>Defaults: national statistics and published behaviour estimates (DEFAULTS.md); city scenarios: the seed "
        "documents (FACTS.md); model description: docs/model.md (ODD protocol).</li></ul></body></html>"
    )
    return "".join(parts)
