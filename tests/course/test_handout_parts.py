"""The parts of `course handout`, without the network: the wheelhouse's walk for each platform's
markers (pip would use this machine's), its answer to a missing wheel, the site without the
instructor's notes, and which chapters `--release` names."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from course.engine.registry import all_labs
from course.instructor.handout import HandoutError, released_labs
from course.instructor.handout_pages import PagesError, drop_nav, learner_pages, strip_notes
from course.instructor.wheel_targets import PLATFORMS, Target, targets
from course.instructor.wheelhouse import Sources, fill

CHAPTER = """# Chapter { #chapter }

## Lesson { #lesson }

Text, and [the notes](#instructor-notes).

## Instructor notes { #instructor-notes }

??? note "Instructor notes"
    **Timing.** 10 min.

### Demo { #demo }

Secret demo.
"""


def test_a_page_loses_its_instructor_notes_and_the_links_to_them() -> None:
    files = {"lessons/01-x/index.md": CHAPTER.encode(), "lessons/instructors.md": b"# Guide\n",
             "lessons/index.md": b"[guide](instructors.md), [notes](01-x/index.md#instructor-notes),"
                                 b" [demo](01-x/index.md#demo), [lesson](01-x/index.md#lesson)\n",
             "mkdocs.yml": b"nav:\n  - Home: index.md\n  - Instructors: instructors.md\n"}
    out = learner_pages(files)
    chapter = out["lessons/01-x/index.md"].decode()
    assert "Secret demo" not in chapter and "Timing" not in chapter and "{ #demo }" not in chapter
    assert chapter.endswith("Text, and the notes.\n")
    assert out["lessons/index.md"].decode() == "guide, notes, demo, [lesson](01-x/index.md#lesson)\n"
    assert "lessons/instructors.md" not in out
    assert out["mkdocs.yml"].decode() == "nav:\n  - Home: index.md\n"


def test_a_fence_keeps_what_looks_like_a_heading() -> None:
    page = "# A\n\n```text\n## Instructor notes\n```\n\n## After { #after }\n"
    text, anchors = strip_notes(page)
    assert text == page and not anchors


def test_notes_the_handout_cannot_take_out_are_an_error() -> None:
    files = {"lessons/index.md": b"# Home\n\n**Instructor notes:** timing 10 min.\n"}
    with pytest.raises(PagesError, match=r"lessons/index\.md"):
        learner_pages(files)


def test_nav_entries_of_removed_pages_go_whatever_their_quotes() -> None:
    config = "nav:\n  - 'Guide': \"instructors.md\"\n  - instructors.md\n  - Home: index.md\n"
    assert drop_nav(config, ["instructors.md"]) == "nav:\n  - Home: index.md\n"


def test_release_names_chapters_by_range_list_or_slug() -> None:
    labs = all_labs()
    assert [lab.id for lab in released_labs("01-03", labs)] == [lab.id for lab in labs if lab.chapter <= 3]
    assert [lab.id for lab in released_labs("2, asgi", labs)] == ["01", "02"]
    assert released_labs(None, labs) == []
    beyond = max(lab.chapter for lab in labs) + 1  # a range of chapters not yet written
    for wrong in (f"{beyond:02d}-{beyond + 2:02d}", "nosuchlab"):
        with pytest.raises(HandoutError, match="--release"):
            released_labs(wrong, labs)


def test_the_default_matrix_is_four_desktop_platforms_on_three_pythons() -> None:
    matrix = targets(None, None)
    assert len(matrix) == 12 and {t.python for t in matrix} == {"3.11", "3.12", "3.13"}
    assert {t.platform.name for t in matrix} == {"linux-x86_64", "macos-arm64", "macos-x86_64",
                                                 "windows-amd64"}
    with pytest.raises(ValueError, match="no platform"):
        targets(["beos"], None)


def wheel(dest: Path, name: str, version: str, requires: tuple[str, ...] = (),
          tag: str = "py3-none-any") -> None:
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {line}\n" for line in requires)
    stem = f"{name.replace('-', '_')}-{version}"
    with zipfile.ZipFile(dest / f"{stem}-{tag}.whl", "w") as archive:
        archive.writestr(f"{stem}.dist-info/METADATA", metadata)


class FakeDist:
    def __init__(self, version: str) -> None:
        self.version, self.requires = version, []


class FakeIndex:
    """pip download as it answers for a small index: each entry name -> {version: requires}."""

    def __init__(self, dest: Path, index: dict[str, dict[str, tuple[str, ...]]]) -> None:
        self.dest, self.index, self.asked = dest, index, []

    def __call__(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        from packaging.requirements import Requirement

        wanted = [arg for arg in args if not arg.startswith("-") and arg != "download"]
        self.asked.append(wanted)
        for line in wanted:
            requirement = Requirement(line)
            versions = [v for v in self.index.get(requirement.name, {})
                        if requirement.specifier.contains(v)]
            if not versions:
                return subprocess.CompletedProcess(args, 1, "", "ERROR: No matching distribution "
                                                   f"found for {line}\n")
        for line in wanted:
            requirement = Requirement(line)
            best = max((v for v in self.index[requirement.name] if requirement.specifier.contains(v)),
                       key=lambda v: tuple(map(int, v.split("."))))
            wheel(self.dest, requirement.name, best, self.index[requirement.name][best])
        return subprocess.CompletedProcess(args, 0, "", "")


@pytest.mark.parametrize("platform", ["linux-x86_64", "windows-amd64"])
def test_the_walk_follows_each_platforms_markers_and_says_what_has_no_wheel(
        tmp_path: Path, platform: str) -> None:
    index = {"app": {"1.0": ("dep>=1", "winonly; sys_platform == 'win32'",
                             "unixonly; sys_platform != 'win32'", "extra-dep; extra == 'full'")},
             "dep": {"1.5": ()}, "winonly": {"2.0": ()}, "unixonly": {"3.0": ()}, "extra-dep": {"1.0": ()}}
    pip = FakeIndex(tmp_path, index)
    sources = Sources(tmp_path)
    sources.installed = {"dep": FakeDist("2.0")}  # installed here, but no wheel for any target
    result = fill(tmp_path, Target(PLATFORMS[platform], "3.12"), ["app[full]==1.0", "gone==9"],
                  pip=pip, sources=sources)
    names = {name.split("-")[0] for name in result.wheels}
    only_here = "winonly" if platform.startswith("windows") else "unixonly"
    assert names == {"app", "dep", "extra_dep", only_here}, result.wheels
    assert result.substituted == {"dep": ("2.0", "1.5")}
    assert list(result.missing) == ["gone==9"] and not result.complete
