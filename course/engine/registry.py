"""The lab registry: every `labs/NN-slug/lab.toml`, validated, and lookup by id, slug or prefix."""

from __future__ import annotations

import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from course.engine import ports
from course.engine.paths import LABS_DIR, REPO_ROOT, SOLUTIONS_DIR
from course.engine.starters import read_committed

CheckName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
StandInName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]


class RegistryError(Exception):
    """A lab.toml is missing or malformed; the message is one line naming file and field."""


class Bug(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    concepts: Annotated[list[str], Field(min_length=1)]
    symptom: Annotated[str, Field(min_length=10)]
    checks: Annotated[list[CheckName], Field(min_length=1)]
    hints: Annotated[list[str], Field(min_length=2, max_length=3)]

    @field_validator("hints")
    @classmethod
    def hints_are_written(cls, hints: list[str]) -> list[str]:
        if any(not hint.strip() for hint in hints):
            raise ValueError("a hint is empty")
        return hints


class Promise(BaseModel):
    """Something the brief says must keep working, and the checks that hold the lab to it.
    The starter keeps it too (the integrity proof shows its checks pass there), so a failing
    promise check means a fix broke what worked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    promise: Annotated[str, Field(min_length=10)]
    checks: Annotated[list[CheckName], Field(min_length=1)]


class CheckSettings(BaseModel):
    """`[checks.<id>]` in lab.toml: what a check is worth in the gradebook, and whether only
    `course grade` runs it (an instructor-only check, in tests/checks/instructor/)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    points: Annotated[int, Field(ge=1, le=100)] = 1
    instructor: bool = False


DEFAULT_CHECK = CheckSettings()


class Lab(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^\d\d$")]
    slug: Annotated[str, Field(pattern=r"^\d\d-[a-z0-9]+(-[a-z0-9]+)*$")]
    title: Annotated[str, Field(min_length=3)]
    chapter: Annotated[int, Field(ge=1, le=99)]
    minutes: Annotated[int, Field(ge=5, le=240, description="the lab")]
    lesson_minutes: Annotated[int, Field(ge=5, le=240, description=(
        "the lesson: reading it alone, or its talk and playground in a workshop"))]
    demo_minutes: Annotated[int, Field(ge=0, le=60, description=(
        "the live demo of the starter's symptoms that opens the chapter in a workshop"))]
    run: Annotated[str, Field(min_length=3, description="the command that starts the service, "
                              "on the lab's port of the plan (course/engine/ports.py)")]
    timeout: Annotated[int, Field(ge=5, le=300, description=(
        "seconds its check run may go without a check starting or finishing"))] = 30
    bugs: Annotated[list[Bug], Field(min_length=1)]
    promises: list[Promise] = []
    ports: dict[StandInName, int] = Field(
        default_factory=dict, description="the stand-ins the brief starts, each on its port")
    checks: dict[CheckName, CheckSettings] = Field(
        default_factory=dict, description="points and instructor-only checks, by check id")
    grows_from: Annotated[str | None, Field(pattern=r"^\d\d$", description=(
        "the earlier lab whose solution this lab's service grows from: its mutation record "
        "measures the code this lab adds or changes, and leaves the lines carried unchanged "
        "to that lab's record"))] = None

    @model_validator(mode="after")
    def ids_agree(self) -> Lab:
        if not self.slug.startswith(f"{self.id}-"):
            raise ValueError(f"slug {self.slug!r} does not start with id {self.id!r}")
        if int(self.id) != self.chapter:
            raise ValueError(f"chapter {self.chapter} does not match id {self.id!r}")
        if f"--port {self.service_port}" not in self.run:
            raise ValueError(f"run {self.run!r} does not name `--port {self.service_port}`, "
                             "the lab's port in the plan (course/engine/ports.py)")
        block = ports.stand_in_ports(self.chapter)
        if ports.SITE_PORT in (self.service_port, *block):
            raise ValueError(f"chapter {self.chapter}'s ports take the site's port "
                             f"{ports.SITE_PORT}: the plan (course/engine/ports.py) needs another block")
        for name, port in self.ports.items():
            if port not in block:
                raise ValueError(f"ports.{name} = {port} is outside the lab's stand-in ports "
                                 f"{block.start}-{block.stop - 1} (course/engine/ports.py)")
        if self.grows_from is not None and self.grows_from >= self.id:
            raise ValueError(f"grows_from {self.grows_from!r} is not an earlier lab than "
                             f"{self.id!r}")
        if len(set(self.ports.values())) != len(self.ports):
            raise ValueError("two stand-ins in [ports] share a port")
        bug_ids = [bug.id for bug in self.bugs]
        if len(set(bug_ids)) != len(bug_ids):
            raise ValueError("two bugs share an id")
        bug_checks = {check for bug in self.bugs for check in bug.checks}
        shared = bug_checks & {check for promise in self.promises for check in promise.checks}
        if shared:
            raise ValueError(f"checks {sorted(shared)} are mapped to a bug and to a promise: a "
                             "bug's checks fail on the starter, a promise's pass there")
        self._check_settings_agree()
        return self

    def _check_settings_agree(self) -> None:
        named = {check for entry in (*self.bugs, *self.promises) for check in entry.checks}
        unknown = sorted(set(self.checks) - named)
        if unknown:
            raise ValueError(f"[checks] names {unknown}, which no bug or promise lists")
        for kind, entries in (("bug", self.bugs), ("promise", self.promises)):
            for entry in entries:
                if all(self.check(check).instructor for check in entry.checks):
                    raise ValueError(f"{kind} {entry.id} has only instructor-only checks: the "
                                     "learner's `course check` would never show it")

    @property
    def name(self) -> str:
        return self.slug.split("-", 1)[1]

    @property
    def service_port(self) -> int:
        return ports.lab_port(self.chapter)

    @property
    def service_url(self) -> str:
        return ports.lab_url(self.chapter)

    @property
    def starter_dir(self) -> Path:
        return LABS_DIR / self.slug

    @property
    def solution_dir(self) -> Path:
        return SOLUTIONS_DIR / self.slug

    @property
    def check_path(self) -> Path:
        """The check module (or package) for this lab."""
        from course.engine.check_command import check_path_for

        return check_path_for(self.slug)

    @cached_property
    def mapped_checks(self) -> list[str]:
        """Every check lab.toml names: the bugs' first, then the promises'."""
        seen: dict[str, None] = {}
        for entry in (*self.bugs, *self.promises):
            seen.update(dict.fromkeys(entry.checks))
        return list(seen)

    @cached_property
    def learner_checks(self) -> list[str]:
        """What `course check` and `watch` run: every mapped check but the instructor-only."""
        return [check for check in self.mapped_checks if not self.check(check).instructor]

    @cached_property
    def instructor_checks(self) -> list[str]:
        return [check for check in self.mapped_checks if self.check(check).instructor]

    def checks_run(self, instructor: bool) -> list[str]:
        """The checks a run reports: with the instructor-only ones (`course grade`, `verify`)
        or without (the learner's loop)."""
        return self.mapped_checks if instructor else self.learner_checks

    def check(self, check: str) -> CheckSettings:
        return self.checks.get(check, DEFAULT_CHECK)

    def points_of(self, check: str) -> int:
        return self.check(check).points

    @property
    def points_possible(self) -> int:
        """What the lab is worth in the gradebook: every check's points, instructor-only too."""
        return sum(self.points_of(check) for check in self.mapped_checks)

    @cached_property
    def promise_checks(self) -> list[str]:
        return [check for check in self.mapped_checks
                if any(check in promise.checks for promise in self.promises)]

    def bugs_caught_by(self, check: str) -> list[Bug]:
        return [bug for bug in self.bugs if check in bug.checks]

    def promises_held_by(self, check: str) -> list[Promise]:
        return [promise for promise in self.promises if check in promise.checks]


def _field_path(error: dict) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(file)"


def load_lab(toml_path: Path) -> Lab:
    try:
        text = toml_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{toml_path}: cannot be read ({exc})") from None
    return parse_lab(text, str(toml_path), toml_path.parent.name)


def parse_lab(text: str, source: str, folder: str) -> Lab:
    """A lab.toml's text, from `source` (named in every error), for the lab folder `folder`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{source}: not valid TOML ({exc})") from None
    try:
        lab = Lab.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise RegistryError(f"{source}: field {_field_path(first)}: {first['msg']}") from None
    if lab.slug != folder:
        raise RegistryError(f"{source}: field slug: {lab.slug!r} but the folder is {folder!r}")
    return lab


def committed_labs(labs_dir: Path = LABS_DIR) -> dict[str, Lab]:
    """Each lab the last commit holds, by folder, from its committed lab.toml."""
    try:
        relative = labs_dir.relative_to(REPO_ROOT).as_posix()
    except ValueError:  # a folder outside this checkout has no history here
        return {}
    labs: dict[str, Lab] = {}
    for path, content in read_committed(f"{relative}/*/lab.toml").items():
        parts = path.split("/")
        if parts[:-2] != relative.split("/") or parts[-1] != "lab.toml":
            continue  # git's `*` also crosses folders
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RegistryError(f"{path} (as committed): cannot be read ({exc})") from None
        labs[parts[-2]] = parse_lab(text, f"{path} (as committed)", parts[-2])
    return labs


def all_labs(labs_dir: Path = LABS_DIR) -> list[Lab]:
    """Every lab. lab.toml is the course's, not the learner's: a lab is read as last committed,
    so a learner who breaks its lab.toml or deletes its folder can still `course reset` it; a
    lab not committed yet (a new chapter), or a copy without git history, from its folder."""
    committed = committed_labs(labs_dir)
    in_folders = {path.parent.name: path for path in labs_dir.glob("*/lab.toml")}
    labs = [committed[folder] if folder in committed else load_lab(in_folders[folder])
            for folder in sorted(committed.keys() | in_folders.keys())]
    ids = [lab.id for lab in labs]
    if len(set(ids)) != len(ids):
        raise RegistryError(f"{labs_dir}: two labs share an id")
    return labs


def find_lab(key: str, labs: list[Lab] | None = None) -> Lab:
    """`3`, `03`, `03-dependency-injection`, `dependency`, `03-dep`: one lab, or a clear error."""
    labs = all_labs() if labs is None else labs
    key = key.strip().lower()
    if re.fullmatch(r"\d{1,2}", key):
        key = f"{int(key):02d}"
        matches = [lab for lab in labs if lab.id == key]
    else:
        matches = [lab for lab in labs if lab.slug == key]
        if not matches:
            matches = [lab for lab in labs if lab.slug.startswith(key) or lab.name.startswith(key)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        known = ", ".join(lab.slug for lab in labs)
        raise RegistryError(f"no lab matches {key!r}; the labs are: {known}")
    names = ", ".join(lab.slug for lab in matches)
    raise RegistryError(f"{key!r} matches several labs ({names}); say more of its name")
