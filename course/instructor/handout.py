"""`course handout OUT`: the learner's bundle, made from the course's last commit (never the
instructor's working tree). It leaves out the solutions of the chapters not released yet, the
instructor-only checks, the course's own tests (their variants and mutation records are other
solutions), its CI, and every instructor note of the site; it adds `.course-handout.toml`, which
tells `course diff` what was released, and with `--wheels` a wheelhouse for offline installs."""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
import tomllib
from dataclasses import dataclass, field

from course.engine.handout_marker import MARKER_NAME, Marker, render
from course.engine.paths import REPO_ROOT
from course.engine.registry import Lab, parse_lab
from course.engine.strength import strength_from
from course.instructor.handout_pages import learner_pages

# Folders of the course a learner never gets, whatever is released, and why.
LEFT_OUT = {
    "tests/checks/instructor/": "the instructor-only checks",
    "tests/course/": "the course's own tests, whose variants and mutation records are solutions too",
    ".ci/": "the course's CI",
}
SOLUTIONS = "solutions/"


class HandoutError(Exception):
    """The handout cannot be made; nothing was left behind."""


@dataclass(frozen=True)
class Entry:
    data: bytes
    executable: bool = False


@dataclass
class LearnerTree:
    files: dict[str, Entry]
    released: list[Lab]
    withheld: list[Lab]  # labs whose solutions stay with the instructor
    left_out: list[str] = field(default_factory=list)  # what was taken out, one phrase each


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise HandoutError("git is not installed: a handout is made from the course's last "
                           "commit") from None


def last_commit() -> str:
    result = _git("rev-parse", "--verify", "--quiet", "HEAD")
    if result.returncode != 0:
        raise HandoutError("this copy of the course has no git history: a handout is made from "
                           "its last commit")
    return result.stdout.decode().strip()


def uncommitted_changes() -> bool:
    """Whether the working tree differs from the last commit (the handout ignores it)."""
    return bool(_git("status", "--porcelain", "--untracked-files=no").stdout.strip())


def committed_tree(commit: str) -> dict[str, Entry]:
    result = _git("archive", "--format=tar", commit)
    if result.returncode != 0:
        raise HandoutError(f"git archive {commit} failed: {result.stderr.decode(errors='replace')}")
    with tarfile.open(fileobj=io.BytesIO(result.stdout)) as tar:
        links = [member.name for member in tar.getmembers() if member.issym() or member.islnk()]
        if links:  # a learner on Windows would get a text file in its place
            raise HandoutError(f"the course commits a symlink, which a handout cannot carry: {links[0]}")
        return {member.name: Entry(tar.extractfile(member).read(),  # type: ignore[union-attr]
                                   bool(member.mode & 0o111))
                for member in tar.getmembers() if member.isfile()}


def committed_labs(files: dict[str, Entry]) -> list[Lab]:
    found = (re.fullmatch(r"labs/([^/]+)/lab\.toml", path) for path in files)
    return [parse_lab(files[match.group(0)].data.decode("utf-8"), match.group(0), match.group(1))
            for match in sorted(filter(None, found), key=lambda m: m.group(1))]


def released_labs(spec: str | None, labs: list[Lab]) -> list[Lab]:
    """`01-03` (chapters 1 to 3), `1,2`, a slug or a prefix, or a mix: the labs named."""
    from course.engine.registry import RegistryError, find_lab

    chosen: dict[str, Lab] = {}
    for part in filter(None, (piece.strip() for piece in (spec or "").split(","))):
        span = re.fullmatch(r"(\d{1,2})-(\d{1,2})", part)
        if span:
            low, high = int(span.group(1)), int(span.group(2))
            matches = [lab for lab in labs if low <= lab.chapter <= high]
            if not matches or low > high:
                raise HandoutError(f"--release {part}: no lab in chapters {low:02d} to {high:02d}")
        else:
            try:
                matches = [find_lab(part, labs)]
            except RegistryError as exc:
                raise HandoutError(f"--release {part}: {exc}") from None
        chosen.update((lab.slug, lab) for lab in matches)
    return sorted(chosen.values(), key=lambda lab: lab.id)


def _text(files: dict[str, Entry], path: str) -> str | None:
    return files[path].data.decode("utf-8") if path in files else None


def learner_tree(files: dict[str, Entry], released: list[Lab], commit: str) -> LearnerTree:
    labs = committed_labs(files)
    shown = {lab.slug for lab in released}
    withheld = [lab for lab in labs if lab.slug not in shown]
    kept = {path: entry for path, entry in files.items()
            if not path.startswith(tuple(LEFT_OUT))
            and not (path.startswith(SOLUTIONS) and path.split("/")[1] not in shown)}
    left_out = [f"{SOLUTIONS}{lab.slug}" for lab in withheld
                if any(path.startswith(f"{SOLUTIONS}{lab.slug}/") for path in files)]
    left_out += [f"{folder} ({why})" for folder, why in LEFT_OUT.items()
                 if any(path.startswith(folder) for path in files)]
    site = learner_pages({path: entry.data for path, entry in kept.items()})
    if set(site) != set(kept) or any(site[path] != kept[path].data for path in site):
        left_out.append("the instructor guide and every chapter's instructor notes")
    kept = {path: Entry(data, kept[path].executable) for path, data in site.items()}
    strength = {}
    for lab in labs:
        numbers = strength_from(lab, _text(files, f"tests/course/variants/{lab.slug}.toml"),
                                _text(files, f"tests/course/mutants/{lab.slug}.toml"))
        strength[lab.slug] = {"accepted": numbers.accepted, "rejected": numbers.rejected,
                              "mutation": numbers.mutation}
    marker = Marker(commit, tuple(lab.slug for lab in released), strength)
    kept[MARKER_NAME] = Entry(render(marker).encode("utf-8"))
    return LearnerTree(kept, released, withheld, left_out)


def wheel_roots(files: dict[str, Entry]) -> list[str]:
    """What `make start` installs: the pinned dependencies, the build backend, and uv."""
    project = tomllib.loads(files["pyproject.toml"].data.decode("utf-8"))
    roots = [*project["project"]["dependencies"], *project["build-system"]["requires"]]
    uv = re.search(r"^UV_VERSION\s*:?=\s*(\S+)", _text(files, "Makefile") or "", re.MULTILINE)
    return [*roots, f"uv=={uv.group(1)}"] if uv else roots
