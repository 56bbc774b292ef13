"""Writing a handout: the learner's tree at OUT, its wheelhouse, one commit in a fresh repository,
and OUT.zip beside it. OUT must not hold anything yet: a handout never deletes what it did not
make, and when it fails it takes away all it made."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from course.engine.paths import REPO_ROOT
from course.instructor import handout
from course.instructor.handout import HandoutError, LearnerTree
from course.instructor.wheel_targets import Target
from course.instructor.wheelhouse import Sources, TargetResult, fill

WHEELS = "wheels"
# Already compressed: zlib would only spend time on them.
STORED_SUFFIXES = (".whl", ".zip", ".gz", ".png")
IDENTITY = ("-c", "user.name=FastAPI Boundaries", "-c", "user.email=course@localhost",
            "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", "-c", f"core.hooksPath={os.devnull}")


class Refused(HandoutError):
    """OUT (or OUT.zip) already holds something; nothing was touched."""


@dataclass
class Built:
    out: Path
    zip_path: Path
    commit: str  # the handout's one commit
    made_from: str  # the course commit it was made from
    tree: LearnerTree
    dirty: bool  # the instructor's working tree had uncommitted changes (left out)
    wheels: list[TargetResult] = field(default_factory=list)


def zip_path_for(out: Path) -> Path:
    return out.with_name(out.name + ".zip")


def check_destination(out: Path) -> None:
    if out == REPO_ROOT or REPO_ROOT in out.parents:
        raise Refused(f"{out} is inside the course's checkout, where `git add` would take the "
                      "handout into the course's own commits: name a folder outside it")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise Refused(f"{out} already exists and is not an empty folder; a handout never "
                      "replaces anything: name a new folder, or empty this one yourself")
    if zip_path_for(out).exists():
        raise Refused(f"{zip_path_for(out)} already exists; a handout never replaces anything: "
                      "name another OUT, or move that file away yourself")


def write_files(tree: LearnerTree, out: Path) -> None:
    for path, entry in sorted(tree.files.items()):
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(entry.data)
        if entry.executable:
            target.chmod(0o755)


def write_wheel_notes(results: list[TargetResult], dest: Path) -> None:
    lines = ["Wheels for installing this handout with no network (`course handout --wheels`).",
             "`make start` installs from this folder alone when it exists; `make start WHEELS=`",
             "uses the package index instead. On Windows: pip install --no-index --find-links wheels -e .",
             "", "Made for:"]
    for result in results:
        lines.append(f"  {result.target.name}: " + (
            f"complete, {len(result.wheels)} wheels" if result.complete else
            "incomplete, installs there need the network for " + "; ".join(
                f"{requirement} ({why.split(';')[0]})" for requirement, why in result.missing.items())))
        lines += [f"    {name} {taken}: {installed}, the version the course was checked with, has "
                  "no wheel there" for name, (installed, taken) in result.substituted.items()]
    (dest / "README.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def commit_repository(out: Path, message: str) -> str:
    def git(*args: str) -> str:
        result = subprocess.run(["git", *IDENTITY, "-C", str(out), *args], capture_output=True,
                                text=True, check=False, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise HandoutError(f"git {args[0]} in {out} failed: {result.stderr.strip()}")
        return result.stdout.strip()

    git("init", "-q", "-b", "main", "--template=")
    git("add", "-A", "--force")  # no global excludes may drop a file of the handout
    git("commit", "-q", "-m", message)
    return git("rev-parse", "HEAD")


def write_zip(out: Path, raw: BinaryIO) -> None:
    """The repository itself, history included, so `course reset` works from the zip too."""
    with zipfile.ZipFile(raw, "w") as archive:
        for path in sorted(out.rglob("*")):
            relative = path.relative_to(out)
            name = f"{out.name}/{relative.as_posix()}"
            stored = path.suffix in STORED_SUFFIXES or relative.parts[:2] == (".git", "objects")
            archive.write(path, name + ("/" if path.is_dir() else ""),
                          compress_type=zipfile.ZIP_STORED if stored or path.is_dir()
                          else zipfile.ZIP_DEFLATED)


def _message(tree: LearnerTree, made_from: str) -> str:
    released = ", ".join(lab.slug for lab in tree.released) or "none"
    return (f"FastAPI Boundaries: the learner's handout\n\nMade from the course at {made_from}.\n"
            f"Solutions released: {released}.\n")


def build(out: Path, release: str | None, targets: list[Target] | None,
          on_wheels: Callable[[TargetResult], None] = lambda result: None,
          on_target: Callable[[Target], None] = lambda target: None) -> Built:
    """The handout at OUT and OUT.zip; with `targets`, a wheelhouse for each of them."""
    out = out.expanduser().resolve()
    check_destination(out)
    made_from = handout.last_commit()
    files = handout.committed_tree(made_from)
    released = handout.released_labs(release, handout.committed_labs(files))
    tree = handout.learner_tree(files, released, made_from)
    made_out, zip_path, made_zip = not out.exists(), zip_path_for(out), False
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_files(tree, out)
        results: list[TargetResult] = []
        if targets:
            dest = out / WHEELS
            dest.mkdir()
            sources = Sources(dest)
            for target in targets:
                on_target(target)
                results.append(fill(dest, target, handout.wheel_roots(files), sources=sources))
                on_wheels(results[-1])
            write_wheel_notes(results, dest)
        commit = commit_repository(out, _message(tree, made_from))
        with zip_path.open("xb") as raw:
            made_zip = True
            write_zip(out, raw)
    except BaseException:
        if made_zip:
            zip_path.unlink(missing_ok=True)
        if made_out:
            shutil.rmtree(out, ignore_errors=True)
        else:  # it was empty: everything in it is ours
            for child in out.iterdir():
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        raise
    return Built(out, zip_path, commit, made_from, tree, handout.uncommitted_changes(), results)
