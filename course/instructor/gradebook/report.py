"""report.html: the room on one page that works offline, its style and script inlined.

Where the room is stuck (each check's class pass rate, lowest first, with the lesson section
that teaches it), each learner's points per lab, the grid of learners by checks (green passed,
red failed; every table sorts by a click on a header), and what was flagged.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path

from course.engine.links import section_url
from course.engine.registry import Lab
from course.instructor.gradebook.scores import CheckRate, LearnerScore

HERE = Path(__file__).resolve().parent
MARKS = {"passed": ("pass", "✓", 1), "failed": ("fail", "✗", 0), "error": ("fail", "✗", 0)}


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _sortable(label: str, column: int, numeric: bool, extra: str = "", css: str = "") -> str:
    kind = ' data-type="num"' if numeric else ""
    classes = " ".join(filter(None, ["sortable", css, "num" if numeric else ""]))
    return (f'<th class="{classes}" data-column="{column}"{kind}{extra}>{label}</th>')


def _lesson_link(lab: Lab, check: str, text: str) -> str:
    url = section_url(lab, check)
    return f'<a href="{_attr(url)}" title="the lesson section">{text}</a>' if url else ""


def _check_title(lab: Lab, check: str) -> str:
    said = [bug.symptom for bug in lab.bugs_caught_by(check)] or [
        promise.promise for promise in lab.promises_held_by(check)]
    only = " (instructor-only)" if lab.check(check).instructor else ""
    return f"{lab.id} · {check}{only}: {' '.join(said)}"


def stuck_table(rates: list[CheckRate]) -> str:
    headers = ["lab", "check", "class pass rate", "passed", "points"]
    head = "".join(_sortable(label, n, n in (2, 3, 4)) for n, label in enumerate(headers))
    rows = []
    for rate in sorted(rates, key=lambda r: (r.rate if r.rate is not None else 2, r.lab.id)):
        percent = "—" if rate.rate is None else f"{rate.rate * 100:.0f} %"
        width = 0 if rate.rate is None else round(rate.rate * 80)
        bar = f'<span class="bar{" empty" if not width else ""}" style="width:{max(width, 4)}px">' \
              "</span>"
        only = ' <span class="instructor">instructor-only</span>' \
            if rate.lab.check(rate.check).instructor else ""
        name = _lesson_link(rate.lab, rate.check, escape(rate.check)) or escape(rate.check)
        rows.append(
            f'<tr data-check="{_attr(rate.lab.id + ":" + rate.check)}"><td>{rate.lab.id}</td>'
            f'<td title="{_attr(_check_title(rate.lab, rate.check))}">{name}{only}</td>'
            f'<td class="num rate" data-value="{-1 if rate.rate is None else rate.rate:.4f}">'
            f"{bar} {percent}</td>"
            f'<td class="num" data-value="{rate.passed}">{rate.passed}/{rate.graded}</td>'
            f'<td class="num">{rate.lab.points_of(rate.check)}</td></tr>')
    return (f'<table id="pass-rates" class="sortable stuck"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def learners_table(scores: list[LearnerScore], labs: list[Lab]) -> str:
    headers = ["learner", *(f"{lab.id} ({lab.points_possible})" for lab in labs), "total", "flags"]
    head = "".join(_sortable(escape(label), n, n > 0) for n, label in enumerate(headers))
    rows = []
    for learner in scores:
        cells = [f"<td>{escape(learner.id)}</td>"]
        for lab in labs:
            score = learner.lab(lab.id)
            if score is None or not score.graded:
                cells.append('<td class="num none" data-value="-1" title="'
                             f'{_attr(score.note if score else "")}">not graded</td>')
            else:
                cells.append(f'<td class="num" data-value="{score.points}">'
                             f"{score.points}/{score.max_points}</td>")
        total = learner.points if learner.gradable else -1
        cells.append(f'<td class="num" data-value="{total}">'
                     + (f"{learner.points}/{learner.max_points}" if learner.gradable
                        else "not graded") + "</td>")
        flags = len(learner.flags) + bool(learner.problem)
        cells.append(f'<td class="num{" flag" if flags else ""}" data-value="{flags}">'
                     f"{'⚑ ' + str(flags) if flags else ''}</td>")
        rows.append(f'<tr data-learner="{_attr(learner.id)}">{"".join(cells)}</tr>')
    return (f'<table id="learners" class="sortable"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def grid_table(scores: list[LearnerScore], labs: list[Lab], rates: list[CheckRate]) -> str:
    columns = [(lab, check) for lab in labs for check in lab.mapped_checks]
    starts = {(lab.id, lab.mapped_checks[0]) for lab in labs if lab.mapped_checks}
    head = [_sortable("learner", 0, False)]
    for n, (lab, check) in enumerate(columns, start=1):
        edge = " lab-start" if (lab.id, check) in starts else ""
        label = f"{lab.id} · {escape(check)} {_lesson_link(lab, check, '§')}"
        head.append(_sortable(label, n, True, f' title="{_attr(_check_title(lab, check))}"',
                              "check" + edge))
    head.append(_sortable("total", len(columns) + 1, True))
    rows = []
    for learner in scores:
        cells = [f"<td>{escape(learner.id)}</td>"]
        for lab, check in columns:
            edge = " lab-start" if (lab.id, check) in starts else ""
            score = learner.lab(lab.id)
            found = next((c for c in score.checks if c.check == check), None) if score else None
            css, mark, value = MARKS.get(found.outcome, ("none", "–", -1)) if found else (
                "none", "–", -1)
            said = found.message if found and not found.passed else (
                "passed" if found else (score.note if score else ""))
            cells.append(f'<td class="cell {css}{edge}" data-value="{value}" '
                         f'title="{_attr(said)}">{mark}</td>')
        total = learner.points if learner.gradable else -1
        cells.append(f'<td class="num" data-value="{total}">{max(total, 0)}</td>')
        rows.append(f'<tr data-learner="{_attr(learner.id)}">{"".join(cells)}</tr>')
    by_check = {(rate.lab.id, rate.check): rate for rate in rates}
    foot = ['<td>class pass rate</td>']
    for lab, check in columns:
        rate = by_check[(lab.id, check)]
        edge = " lab-start" if (lab.id, check) in starts else ""
        percent = "—" if rate.rate is None else f"{rate.rate * 100:.0f}%"
        foot.append(f'<td class="{edge.strip()}" title="{rate.passed} of {rate.graded} passed">'
                    f"{percent}</td>")
    foot.append("<td></td>")
    return (f'<div class="grid-wrap"><table id="grid" class="sortable grid"><thead><tr>'
            f"{''.join(head)}</tr></thead><tbody>{''.join(rows)}</tbody>"
            f'<tfoot><tr class="rates">{"".join(foot)}</tr></tfoot></table></div>')


def flags_section(scores: list[LearnerScore]) -> str:
    parts = []
    for learner in scores:
        said = [*([f"not graded: {learner.problem}"] if learner.problem else []),
                *learner.flags, *learner.notes]
        if learner.missing:
            said.append(f"{learner.missing} file(s) of the course outside labs/ are not in this "
                        "copy (a handout, or deleted): they cannot change a verdict")
        if said:
            items = "".join(f"<li>{escape(line)}</li>" for line in said)
            parts.append(f'<h3 class="flag">⚑ {escape(learner.id)}</h3><ul class="flags" '
                         f'data-learner="{_attr(learner.id)}">{items}</ul>')
    return "".join(parts) or "<p>Nothing was flagged.</p>"


def report_html(scores: list[LearnerScore], labs: list[Lab], rates: list[CheckRate],
                graded_at: datetime) -> str:
    style = (HERE / "report.css").read_text(encoding="utf-8")
    script = (HERE / "report.js").read_text(encoding="utf-8")
    unsandboxed = [learner.id for learner in scores if learner.gradable and not learner.sandboxed]
    warning = (f'<p class="unsandboxed">Graded without a sandbox: the labs\' code could reach '
               f"their verdicts ({len(unsandboxed)} learner(s)).</p>" if unsandboxed else "")
    lab_list = ", ".join(f"{lab.id} {escape(lab.title)}" for lab in labs)
    possible = sum(lab.points_possible for lab in labs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gradebook · FastAPI Boundaries</title>
<style>{style}</style></head>
<body>
<h1>Gradebook · FastAPI Boundaries</h1>
<p class="meta">Graded {escape(graded_at.strftime("%Y-%m-%d %H:%M"))} · {len(scores)} learner(s)
· labs {lab_list} · {possible} points possible</p>
{warning}
<h2 id="stuck">Where the room is stuck</h2>
<p class="hint">Each check's class pass rate, lowest first; its name links to the lesson
section that teaches it.</p>
{stuck_table(rates)}
<h2 id="totals">Learners</h2>
{learners_table(scores, labs)}
<h2 id="checks">Every check</h2>
<p class="hint">✓ passed, ✗ failed, – no verdict; hover a cell for what the check saw. Click a
header to sort.</p>
{grid_table(scores, labs, rates)}
<h2 id="flags">Flags</h2>
{flags_section(scores)}
<script>{script}</script>
</body></html>
"""


def write_report(path: Path, scores: list[LearnerScore], labs: list[Lab],
                 rates: list[CheckRate], graded_at: datetime) -> Path:
    path.write_text(report_html(scores, labs, rates, graded_at), encoding="utf-8")
    return path
