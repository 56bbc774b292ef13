"""Docs are code: no code typed into a lesson, every include exists and is tested, every concept of
a chapter has a section whose anchor is its id, and each chapter page has the agreed shape."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from course.engine.concepts import concepts_of, heading_anchors
from course.engine.paths import LESSONS_DIR, REPO_ROOT
from course.engine.registry import all_labs

PAGES = sorted(LESSONS_DIR.rglob("*.md"))
CHAPTERS = sorted(p.parent for p in LESSONS_DIR.glob("[0-9][0-9]-*/index.md"))
INLINE_LANGUAGES = {"mermaid", "console", "text"}  # diagrams, shell transcripts, plain output
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)$")
INCLUDE = re.compile(r'^\s*--8<--\s+"(?P<path>[^":]+)(?::(?P<section>[\w-]+))?"\s*$')
TAIL = ["playground", "lab", "key-points", "self-check", "instructor-notes"]
# What fits the content column at 1280 px (lessons/assets/stylesheets/course.css).
COLUMN = 88
QUESTION = re.compile(r'^\?\?\? question "(?P<title>[^"]+)"$')


@dataclass
class CodeBlock:
    page: Path
    line: int
    language: str
    options: str
    body: list[str]


def code_blocks(page: Path) -> list[CodeBlock]:
    blocks, lines, index = [], page.read_text(encoding="utf-8").splitlines(), 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        fence, info = match.group("fence"), match.group("info").strip()
        language, _, options = info.partition(" ")
        body, start = [], index + 1
        index += 1
        while index < len(lines) and lines[index].strip() != fence:
            body.append(lines[index])
            index += 1
        blocks.append(CodeBlock(page, start, language.strip("{}. "), options, body))
        index += 1
    return blocks


def included_lines(path: str, section: str | None) -> list[str]:
    lines = (REPO_ROOT / path).read_text(encoding="utf-8").splitlines()
    if section is None:
        return lines
    start = next(i for i, line in enumerate(lines) if f"--8<-- [start:{section}]" in line)
    end = next(i for i, line in enumerate(lines) if f"--8<-- [end:{section}]" in line)
    return lines[start + 1:end]


def highlighted(options: str) -> list[int]:
    match = re.search(r'hl_lines="([^"]*)"', options)
    numbers: list[int] = []
    for part in (match.group(1).split() if match else []):
        low, _, high = part.partition("-")
        numbers += range(int(low), int(high or low) + 1)
    return numbers


def rel(page: Path) -> str:
    return str(page.relative_to(REPO_ROOT))


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_code_blocks_are_included_from_files(page: Path) -> None:
    for block in code_blocks(page):
        where = f"{rel(page)}:{block.line}"
        if block.language in INLINE_LANGUAGES:
            continue
        content = [line for line in block.body if line.strip()]
        assert content, f"{where}: empty code block"
        for line in content:
            match = INCLUDE.match(line)
            assert match, f"{where}: code typed into the lesson; include it from a file instead"
            path, section = match.group("path", "section")
            assert (REPO_ROOT / path).is_file(), f"{where}: {path} does not exist"
            lines = included_lines(path, section)
            for number in highlighted(block.options):
                assert 1 <= number <= len(lines), (
                    f"{where}: hl_lines {number} lies outside {path} ({len(lines)} lines)")


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_included_code_fits_the_column(page: Path) -> None:
    for block in code_blocks(page):
        for line in block.body:
            match = INCLUDE.match(line)
            if not match:
                continue
            path, section = match.group("path", "section")
            for number, text in enumerate(included_lines(path, section), start=1):
                assert len(text) <= COLUMN, (
                    f"{rel(page)}:{block.line}: line {number} of {path}"
                    f"{':' + section if section else ''} is {len(text)} characters wide; "
                    f"{COLUMN} fit the page")


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_include_resolves(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for path, section in re.findall(r'--8<--\s+"([^":]+)(?::([\w-]+))?"', text):
        assert (REPO_ROOT / path).is_file(), f"{rel(page)} includes missing {path}"
        if section:
            assert included_lines(path, section), f"{rel(page)}: section {section} of {path} empty"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_every_concept_has_a_section(chapter: Path) -> None:
    anchors = heading_anchors(chapter / "index.md")
    for concept in concepts_of(int(chapter.name[:2])):
        assert concept.id in anchors, f"{chapter.name}: no section with anchor #{concept.id}"
    assert len(anchors) == len(set(anchors)), f"{chapter.name}: an anchor is used twice"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_a_chapter_page_has_the_agreed_shape(chapter: Path) -> None:
    text = (chapter / "index.md").read_text(encoding="utf-8")
    assert re.search(r'^!!! abstract ".*minutes', text, re.MULTILINE), (
        f"{chapter.name}: no objectives-and-time admonition")
    anchors = heading_anchors(chapter / "index.md")
    assert anchors[-len(TAIL):] == TAIL, f"{chapter.name}: the page must end with {TAIL}"
    assert "```mermaid" in text, f"{chapter.name}: no diagram"
    assert f'--8<-- "labs/{chapter.name}/README.md:brief"' in text, (
        f"{chapter.name}: the lab brief is not included from the lab's README")
    assert "(playground.ipynb)" in text and (chapter / "playground.ipynb").is_file(), (
        f"{chapter.name}: no playground notebook linked")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_a_chapter_ends_with_three_or_four_folded_self_check_questions(chapter: Path) -> None:
    text = (chapter / "index.md").read_text(encoding="utf-8")
    section = text.split("{ #self-check }", 1)[1].split("\n## ", 1)[0]
    blocks = section.strip().split("\n\n??? ")
    questions = [QUESTION.match(("??? " if n else "") + block.splitlines()[0])
                 for n, block in enumerate(blocks)]
    assert all(questions) and 3 <= len(questions) <= 4, (
        f"{chapter.name}: the self-check holds {len(blocks)} blocks; 3 or 4 folded "
        '`??? question "..."` blocks, each with its answer, were expected')
    for question, block in zip(questions, blocks, strict=True):
        answer = [line for line in block.splitlines()[1:] if line.strip()]
        assert question["title"].endswith("?"), f"{chapter.name}: {question['title']!r}"
        assert answer and all(line.startswith("    ") for line in answer), (
            f"{chapter.name}: {question['title']!r} has no answer folded under it")


@pytest.mark.parametrize("lab", all_labs(), ids=lambda lab: lab.slug)
def test_a_lab_brief_is_a_marked_section(lab) -> None:
    brief = included_lines(f"labs/{lab.slug}/README.md", "brief")
    assert len(brief) > 10, f"{lab.slug}: the brief is nearly empty"
    assert not any(re.match(r"^#{1,2} ", line) for line in brief), (
        f"{lab.slug}: the brief uses # or ## headings; the lesson includes it under a ##")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_every_example_is_run_by_a_test(chapter: Path) -> None:
    test_module = REPO_ROOT / "tests" / "course" / "examples" / (
        "test_" + chapter.name.replace("-", "_") + ".py")
    examples = sorted((chapter / "examples").glob("*.py"))
    assert examples, f"{chapter.name}: no examples"
    assert test_module.is_file(), f"{chapter.name}: no {rel(test_module)}"
    source = test_module.read_text(encoding="utf-8")
    for example in examples:
        assert f'"{example.stem}"' in source, f"{rel(example)} is not run by {rel(test_module)}"
