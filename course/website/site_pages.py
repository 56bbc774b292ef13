"""The generated pages (lab index, concept coverage), built from lab.toml files, the concept
catalogue and the lessons' heading anchors, so they can never drift."""

from __future__ import annotations

from course.engine.concepts import CHAPTER_TITLES, all_concepts, heading_anchors, lesson_page
from course.engine.registry import Lab
from course.engine.strength import strength_of


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def labs_page(labs: list[Lab]) -> str:
    lines = [
        "# Labs { #labs }", "",
        "Every lab is Clinic at one stage of the course, with that chapter's production bugs "
        "planted in it. Start it, poke it, fix it, then prove it with `course check NN`.", "",
        "| lab | chapter | minutes | bugs | start it (from the lab folder) |",
        "|---|---|---|---|---|",
    ]
    for lab in labs:
        page = lesson_page(lab.chapter)
        chapter = CHAPTER_TITLES.get(lab.chapter, str(lab.chapter))
        link = f"[{chapter}]({page.parent.name}/index.md#lab)" if page else chapter
        lines.append(f"| **{lab.id}** · {_cell(lab.title)} | {link} | {lab.minutes} | "
                     f"{len(lab.bugs)} | `{lab.run}` |")
    lines += [
        "", "## How strong each lab's checks are { #check-strength }", "",
        "A lab is done when its checks are proven, not hoped: the starter fails each bug's "
        "checks and keeps each promise (what the brief says keeps working), other correct fixes "
        "pass, wrong fixes written from the brief fail, and the checks notice small changes "
        "(mutants) made to the solution.", "",
        "| lab | bugs | promises | checks | correct fixes proven | wrong fixes caught "
        "| mutation score |",
        "|---|---|---|---|---|---|---|",
    ]
    for lab in labs:
        strength = strength_of(lab)
        lines.append(f"| **{lab.id}** · {_cell(lab.title)} | {strength.bugs} | "
                     f"{strength.promises} | {strength.checks} | {strength.accepted} | "
                     f"{strength.rejected} | {strength.mutation} |")
    lines += ["", "## What each lab's users report { #symptoms }", ""]
    for lab in labs:
        lines.append(f"**{lab.id} · {_cell(lab.title)}**")
        lines.append("")
        lines += [f"- {bug.symptom}" for bug in lab.bugs]
        lines.append("")
    return "\n".join(lines)


def coverage_page(labs: list[Lab]) -> str:
    checks_by_concept: dict[str, list[str]] = {}
    for lab in labs:
        for bug in lab.bugs:
            for concept in bug.concepts:
                checks_by_concept.setdefault(concept, []).extend(
                    f"`{lab.id}:{check}`" + (" (instructor-only)" if lab.check(check).instructor
                                             else "") for check in bug.checks)
    lines = [
        "# Concept coverage { #coverage }", "",
        "Every idea the course teaches, where it is taught and which check proves a learner "
        "fixed it. A **bug** is planted in the chapter's lab and caught by the checks listed; "
        "a **lesson** is taught in the linked section.", "",
    ]
    for chapter, title in [*CHAPTER_TITLES.items(), (0, "Course-wide")]:
        page = lesson_page(chapter) if chapter else None
        anchors = set(heading_anchors(page)) if page else set()
        heading = f"{chapter:02d} · {title}" if chapter else title
        lines += [f"## {heading} {{ #chapter-{chapter:02d} }}", ""]
        if page is None:
            lines += ["*Not written yet.*", ""]
        lines += ["| concept | kind | idea | taught in | checked by |", "|---|---|---|---|---|"]
        for concept in (c for c in all_concepts() if c.chapter == chapter):
            taught = (f"[section]({page.parent.name}/index.md#{concept.id})"
                      if page and concept.id in anchors else "—")
            checked = ", ".join(checks_by_concept.get(concept.id, [])) or "—"
            lines.append(f"| `{concept.id}` | {concept.kind} | {_cell(concept.idea)} | "
                         f"{taught} | {checked} |")
        lines.append("")
    lines += ["## What each brief says keeps working { #promises }", "",
              "A fix must not break what worked: each promise of a lab's brief has checks of its "
              "own, which the starter passes too.", "",
              "| lab | promise | checked by |", "|---|---|---|"]
    for lab in labs:
        for promise in lab.promises:
            checks = ", ".join(f"`{lab.id}:{check}`" + (" (instructor-only)" if lab.check(
                check).instructor else "") for check in promise.checks)
            lines.append(f"| {lab.id} | {_cell(promise.promise)} | {checks} |")
    lines.append("")
    return "\n".join(lines)
