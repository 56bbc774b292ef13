"""Building the site: first the generated parts (the Labs and Coverage pages, each chapter's
executed playground, the Instructors page's schedule and every chapter's instructor notes), then
one of the two builders on the same mkdocs.yml, strictly.

Material for MkDocs is the default (`course start`, `make site`); Zensical, its successor, builds
the same pages into site-zensical/ (`make site-zensical`). Neither runs code of ours, so whatever
they show is generated here first.

    python -m course.website.site_build generate | mkdocs [--site-dir DIR] | zensical [--site-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from course.engine.paths import (
    GENERATED_PAGES,
    INSTRUCTOR_RENDERS_DIR,
    REPO_ROOT,
    SITE_DIR,
    ZENSICAL_SITE_DIR,
)

CONFIG = REPO_ROOT / "mkdocs.yml"


class SiteBuildError(RuntimeError):
    """The site did not build; the message holds the builder's last lines."""


def generate() -> list[Path]:
    """Writes every generated part that is missing or out of date; returns what it wrote."""
    from course.engine.registry import all_labs
    from course.website.playgrounds import PlaygroundError, render_playgrounds
    from course.website.site_pages import coverage_page, labs_page

    labs = all_labs()
    parts = dict(zip(GENERATED_PAGES, (labs_page(labs), coverage_page(labs)), strict=True))
    parts.update(instructor_renders(labs))
    written = []
    for path, content in parts.items():
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            written.append(path)
    try:
        return written + render_playgrounds()
    except PlaygroundError as exc:
        raise SiteBuildError(str(exc)) from None


def instructor_renders(labs: list) -> dict[Path, str]:
    """The schedule and the chapters' notes the Instructors page includes, and the notes each
    chapter page includes, by the file each is written to."""
    from course.engine.variants import wrong_turns
    from course.instructor.instructor_notes import NotesError, load_notes
    from course.instructor.notes_page import chapter_page_notes, instructors_page_notes
    from course.instructor.schedule_page import chapter_blocks, schedule_fragment

    try:
        chapters = [(lab, load_notes(lab), wrong_turns(lab)) for lab in labs]
    except NotesError as exc:
        raise SiteBuildError(str(exc)) from None
    renders = {INSTRUCTOR_RENDERS_DIR / "schedule.md": schedule_fragment(chapter_blocks(labs)),
               INSTRUCTOR_RENDERS_DIR / "chapters.md": instructors_page_notes(chapters)}
    for lab, notes, turns in chapters:
        renders[INSTRUCTOR_RENDERS_DIR / f"{lab.slug}.md"] = chapter_page_notes(lab, notes, turns)
    return renders


def build_site(site_dir: Path = SITE_DIR) -> Path:
    """Material for MkDocs."""
    generate()
    _run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
          "--config-file", str(CONFIG), "--site-dir", str(site_dir)],
         {"NO_MKDOCS_2_WARNING": "1"})
    return site_dir


def build_zensical(site_dir: Path = ZENSICAL_SITE_DIR) -> Path:
    """Zensical: it has no --site-dir, so mkdocs.yml reads its site_dir from COURSE_SITE_DIR."""
    generate()
    shutil.rmtree(site_dir, ignore_errors=True)
    _run([sys.executable, "-m", "zensical", "build", "--strict", "--config-file", str(CONFIG)],
         {"COURSE_SITE_DIR": str(site_dir), "NO_COLOR": "1"})
    return site_dir


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False,
                            env={**os.environ, **env})
    if result.returncode != 0:
        details = (result.stderr or result.stdout).strip().splitlines()[-8:]
        raise SiteBuildError("the site did not build:\n" + "\n".join(details))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.website.site_build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["generate", "mkdocs", "zensical"])
    parser.add_argument("--site-dir", type=Path, help="where the builder writes the site")
    args = parser.parse_args(argv)
    try:
        if args.step == "generate":
            for path in generate():
                print(f"generated {path.relative_to(REPO_ROOT)}")
            return 0
        build = build_site if args.step == "mkdocs" else build_zensical
        site_dir = build(*([args.site_dir.resolve()] if args.site_dir else []))
    except SiteBuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"built {site_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
