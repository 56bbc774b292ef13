"""`course handout`: the learner's bundle, made from a copy of the course that holds everything a
handout must leave out (an instructor-only check, links into the instructor's pages). The handout
is cloned, installed from its own wheelhouse with `pip --no-index` and no network, and
`course check 01` runs there; a second one, with chapter 01 released, shows its diff and builds
its site strictly. The wheelhouse is made for this machine only; the matrix is tested without pip."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from copies import copy_course, course_env, run_course
from course.engine.paths import PLAYGROUND_RENDERS_DIR
from course.instructor.wheel_targets import this_python
from programs import require_program

pytestmark = pytest.mark.slow
LAB = "01-asgi-uvicorn"
# A link into each thing the handout takes out; they must end up plain text.
LINKS = ("\nSee [the instructor guide](instructors.md) and [lab 01's notes]"
         "(01-asgi-uvicorn/index.md#instructor-notes).\n")
# Nothing answers here: a pip that tried the network would fail at once.
NO_NETWORK = {name: "http://127.0.0.1:9" for name in ("http_proxy", "https_proxy", "HTTP_PROXY",
                                                     "HTTPS_PROXY", "all_proxy", "ALL_PROXY")}


def git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course, committed with an instructor-only check and links to instructor content."""
    copy = copy_course(tmp_path_factory.mktemp("course") / "course")
    secret = copy / "tests" / "checks" / "instructor" / "test_99_planted.py"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("def test_with_data_the_learner_never_sees():\n    pass\n")
    with (copy / "lessons" / "index.md").open("a") as index:
        index.write(LINKS)
    git(copy, "add", "-A")
    git(copy, "-c", "user.name=course", "-c", "user.email=course@localhost", "commit", "-q",
        "-m", "instructor material")
    return copy


def handout(course: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_course(course, "handout", str(out), *args, timeout=900)


@pytest.fixture(scope="module")
def withheld(course: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A handout with no solution released and a wheelhouse for this machine."""
    out = tmp_path_factory.mktemp("withheld") / "handout"
    result = handout(course, out, "--wheels-for", "this", "--wheels-python", this_python())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ this · Python" in result.stdout, result.stdout
    return out


@pytest.fixture(scope="module")
def released(course: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("released") / "handout"
    result = handout(course, out, "--release", "01")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="module")
def clone(withheld: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The learner's clone, its .venv installed from the wheelhouse by `make` with pip, offline."""
    make = require_program("make", "apt-get install make")
    clone = tmp_path_factory.mktemp("learner") / "course"
    subprocess.run(["git", "clone", "-q", str(withheld), str(clone)], check=True)
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("PIP_", "MAKEFLAGS")) and name != "PYTHON"}
    env.update(NO_NETWORK, PIP_CONFIG_FILE=os.devnull)  # this machine's pip.conf adds sources
    result = subprocess.run([make, ".venv/.installed", "INSTALLER=pip", f"PYTHON={sys.executable}"],
                            cwd=clone, env=env, capture_output=True, text=True, timeout=600,
                            check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "--no-index --find-links wheels" in result.stdout, result.stdout
    return clone


def learner_run(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(clone / ".venv" / "bin" / "course"), *args], cwd=clone,
                          env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
                          capture_output=True, text=True, timeout=120, check=False)


def files_of(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*")
            if path.is_file() and ".git" not in path.relative_to(folder).parts}


@pytest.mark.timeout(900)
def test_a_clone_installs_offline_from_its_wheelhouse_and_checks_lab_01(clone: Path) -> None:
    result = learner_run(clone, "check", "01")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Lab 01 · " in result.stdout and "✗" in result.stdout, result.stdout
    assert "failed" in result.stdout.splitlines()[-1], result.stdout


@pytest.mark.timeout(900)
def test_a_clone_says_in_one_line_that_a_solution_is_not_released(clone: Path) -> None:
    for args in (("diff", "01"), ("diff", "02", "--force")):
        result = learner_run(clone, *args)
        assert result.returncode == 2, result.stdout + result.stderr
        said = (result.stdout + result.stderr).strip().splitlines()
        assert len(said) == 1 and "not released yet" in said[0], said


@pytest.mark.timeout(900)
def test_make_installs_from_the_wheelhouse_with_uv_too_unless_told_otherwise(clone: Path) -> None:
    make = require_program("make", "apt-get install make")
    dry = [make, "-n", ".venv/.installed", f"PYTHON={sys.executable}"]
    planned = subprocess.run(dry, cwd=clone, capture_output=True, text=True, check=True).stdout
    installs = [line for line in planned.splitlines() if " install " in line]
    assert len(installs) == 2 and all("--no-index --find-links wheels" in line for line in installs), planned
    online = subprocess.run([*dry, "WHEELS="], cwd=clone, capture_output=True, text=True, check=True)
    assert "--no-index" not in online.stdout and " install " in online.stdout, online.stdout


@pytest.mark.timeout(900)
def test_a_handout_holds_what_a_learner_needs_and_nothing_of_the_instructors(
        withheld: Path, course: Path) -> None:
    assert git(withheld, "rev-list", "--count", "HEAD").strip() == "1"
    assert not git(withheld, "status", "--porcelain").strip(), "the handout has uncommitted files"
    kept = files_of(withheld)
    assert not [path for path in kept if path.startswith(("solutions/", "tests/checks/instructor/",
                                                          "tests/course/", ".ci/"))]
    assert "lessons/instructors.md" not in kept and "instructors.md" not in (
        withheld / "mkdocs.yml").read_text()
    assert not [path for path in kept if path.endswith("/instructor.toml")]
    for path in (p for p in kept if p.startswith("lessons/")):
        assert "instructor notes" not in (withheld / path).read_text(errors="replace").lower(), path
    index = (withheld / "lessons" / "index.md").read_text()
    assert "See the instructor guide and lab 01's notes." in index
    for path in ("README.md", "Makefile", "labs/01-asgi-uvicorn/lab.toml", "tests/checks/pytest.toml",
                 ".course-handout.toml", "wheels/README.txt"):
        assert path in kept, path
    assert (withheld / "README.md").read_bytes() == (course / "README.md").read_bytes()
    with zipfile.ZipFile(withheld.with_name("handout.zip")) as archive:
        names = set(archive.namelist())
    assert {"handout/README.md", "handout/.git/HEAD", "handout/.course-handout.toml"} <= names


@pytest.mark.timeout(900)
def test_a_release_brings_its_solutions_and_diff_and_the_site_builds_strictly(
        released: Path, tmp_path: Path) -> None:
    kept = files_of(released)
    assert any(path.startswith(f"solutions/{LAB}/app/") for path in kept)
    assert not any(path.startswith("solutions/02-") for path in kept)
    result = run_course(released, "diff", "01", "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "solution/app/" in result.stdout, result.stdout
    # The playgrounds as this checkout rendered them (same notebooks, keys match): the build
    # then runs no notebook, which the notebook tests already do.
    shutil.copytree(PLAYGROUND_RENDERS_DIR, released / "build" / "playgrounds")
    site = tmp_path / "site"
    build = subprocess.run([sys.executable, "-m", "course.website.site_build", "mkdocs", "--site-dir",
                            str(site)], cwd=released, env=course_env(released), capture_output=True,
                           text=True, timeout=300, check=False)
    assert build.returncode == 0, build.stdout + build.stderr
    assert not (site / "instructors").exists()
    pages = [page.read_text() for page in site.rglob("*.html")]
    assert pages and not [page for page in pages if "Instructor notes" in page]
    assert "100 %" in (site / "labs" / "index.html").read_text(), "check strength lost"


def test_a_handout_never_replaces_anything(released: Path, tmp_path: Path, course: Path) -> None:
    before = git(released, "rev-parse", "HEAD")
    result = handout(course, released)
    assert result.returncode == 2 and "already exists" in result.stderr, result.stderr
    assert git(released, "rev-parse", "HEAD") == before
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty.zip").write_bytes(b"someone's")
    result = handout(course, tmp_path / "empty")
    assert result.returncode == 2 and (tmp_path / "empty.zip").read_bytes() == b"someone's"
    assert not any((tmp_path / "empty").iterdir())
    result = handout(course, course / "handout")
    assert result.returncode == 2 and "inside the course" in result.stderr, result.stderr
    assert not (course / "handout").exists()


def test_a_handed_back_copy_is_graded_without_flags_unless_it_changed_something(
        course: Path, withheld: Path, tmp_path: Path) -> None:
    """`course grade` compares a handout's copy with the handout its commit makes, not with the
    course: what the handout left out or added is no tampering; an edited page is."""
    import json

    copies = []
    for name in ("untouched", "edited"):
        copy = tmp_path / name
        subprocess.run(["git", "clone", "-q", str(withheld), str(copy)], check=True)
        copies.append(copy)
    with (copies[1] / "lessons" / "index.md").open("a") as index:
        index.write("\nedited\n")
    report = tmp_path / "grades.json"
    result = run_course(course, "grade", *map(str, copies), "--lab", "01", "--json", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    tampered = {learner["learner"]: learner["tampered"]
                for learner in json.loads(report.read_text())}
    assert tampered == {"untouched": [], "edited": ["changed: lessons/index.md"]}, tampered
