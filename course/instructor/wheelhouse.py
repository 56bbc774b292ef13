"""A handout's wheelhouse: every wheel `make start` needs, for each target machine, downloaded with
pip's own `pip download --only-binary=:all: --platform ... --python-version ...`.

pip evaluates environment markers for the machine it runs on, never for `--platform`
(pypa/pip#11664): asked for Windows from Linux it would fetch uvloop and miss colorama. So the
dependency closure is walked here, with each target's markers, and pip downloads it with
`--no-deps`. Versions are the ones installed where the handout is built (the versions the checks
were proven with); only a package that machine does not have is picked afresh."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import zipfile
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from course.instructor.wheel_targets import Target

NO_MATCH = re.compile(r"No matching distribution found for (\S+)")
MAX_ROUNDS = 8  # each round downloads what the walk could not see through yet
PARALLEL_PIPS = 8


class WheelhouseError(RuntimeError):
    """pip failed in a way that is not a missing wheel (no network, a broken index)."""


@dataclass
class TargetResult:
    target: Target
    wheels: list[str] = field(default_factory=list)  # file names, for this target
    missing: dict[str, str] = field(default_factory=dict)  # requirement: why no wheel
    substituted: dict[str, tuple[str, str]] = field(default_factory=dict)  # name: (installed, taken)

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class Wheel:
    path: Path
    name: str
    version: Version
    tags: frozenset


def _requires_in(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
        metadata = HeaderParser().parsestr(archive.read(name).decode("utf-8"))
    return metadata.get_all("Requires-Dist") or []


class Sources:
    """What is known about each package: the wheels downloaded so far and this Python's installs."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.installed = {canonicalize_name(dist.metadata["Name"]): dist
                          for dist in importlib.metadata.distributions()}
        self._by_name: dict[str, list[Wheel]] = {}
        self._seen: set[str] = set()
        self._requires: dict[Path, list[str]] = {}
        self.refresh()

    def refresh(self) -> None:
        """Takes in the wheels downloaded since."""
        for path in self.dest.glob("*.whl"):
            if path.name in self._seen:
                continue
            self._seen.add(path.name)
            try:
                name, version, _, wheel_tags = parse_wheel_filename(path.name)
            except InvalidWheelFilename:
                continue
            self._by_name.setdefault(name, []).append(Wheel(path, name, version, frozenset(wheel_tags)))

    def wheels(self, name: str) -> list[Wheel]:
        return self._by_name.get(name, [])

    def wheel_for(self, target: Target, name: str, version: Version) -> Wheel | None:
        fitting = [w for w in self.wheels(name) if w.version == version and w.tags & target.tags]
        return fitting[0] if fitting else None

    def pick(self, target: Target, name: str, spec: SpecifierSet,
             unavailable: set[tuple[str, Version]]) -> Version | None:
        """The installed version when it fits, else the newest wheel downloaded for the target."""
        dist = self.installed.get(name)
        if dist is not None and spec.contains(dist.version, prereleases=True) \
                and (name, Version(dist.version)) not in unavailable:
            return Version(dist.version)
        versions = [w.version for w in self.wheels(name) if w.tags & target.tags and w.version in spec]
        return max(versions, default=None)

    def requires(self, name: str, version: Version) -> list[str] | None:
        dist = self.installed.get(name)
        if dist is not None and Version(dist.version) == version:
            return dist.requires or []
        wheel = next((w for w in self.wheels(name) if w.version == version), None)
        if wheel is None:
            return None
        if wheel.path not in self._requires:
            self._requires[wheel.path] = _requires_in(wheel.path)
        return self._requires[wheel.path]


@dataclass
class Walk:
    pins: dict[str, Version]
    specs: dict[str, SpecifierSet]  # what every package that needs it asks of each
    unknown: list[str]  # requirements to download before the walk can go on

    def exact(self, name: str) -> bool:
        """Whether a version is asked for by `==` (a pin of pyproject.toml or of a package)."""
        return any(spec.operator in ("==", "===") for spec in self.specs.get(name, ()))


def walk(target: Target, roots: list[str], sources: Sources, missing: set[str],
         unavailable: set[tuple[str, Version]]) -> Walk:
    """The target's dependency closure, as far as the known metadata reaches."""
    env = target.environment()
    specs: dict[str, SpecifierSet] = {}
    extras: dict[str, set[str]] = {}
    expanded: dict[str, frozenset[str]] = {}
    pins: dict[str, Version] = {}
    unknown: list[str] = []
    queue: deque[tuple[str, frozenset[str]]] = deque((line, frozenset()) for line in roots)
    while queue:
        line, parent_extras = queue.popleft()
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            raise WheelhouseError(f"a requirement pip cannot read: {line!r} ({exc})") from None
        if requirement.marker and not any(requirement.marker.evaluate({**env, "extra": extra})
                                          for extra in {"", *parent_extras}):
            continue
        name = canonicalize_name(requirement.name)
        specs[name] = specs.get(name, SpecifierSet()) & requirement.specifier
        extras.setdefault(name, set()).update(requirement.extras)
        if name in missing:
            continue
        if name not in pins:
            version = sources.pick(target, name, specs[name], unavailable)
            if version is None:
                unknown.append(f"{name}{specs[name]}")
                continue
            pins[name] = version
        wanted = frozenset(extras[name])
        if expanded.get(name) == wanted:
            continue
        children = sources.requires(name, pins[name])
        if children is None:
            unknown.append(f"{name}=={pins[name]}")
            continue
        expanded[name] = wanted
        queue.extend((child, wanted) for child in children)
    for name, version in pins.items():
        if version not in specs[name] and name not in missing:
            missing.add(name)  # the installed version does not fit what another package needs
    return Walk(pins, specs, unknown)


PipRunner = Callable[[list[str]], subprocess.CompletedProcess[str]]


def run_pip(args: list[str]) -> subprocess.CompletedProcess[str]:
    # pip's own HTTP cache stays on: a second wheelhouse downloads nothing it already fetched.
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)


def download(target: Target, requirements: list[str], dest: Path, pip: PipRunner) -> dict[str, str]:
    """Downloads what it can; returns each requirement that has no wheel for the target. pip reads
    one index page after the other, so a long list is split between a few pips at once."""
    wanted = list(dict.fromkeys(requirements))
    chunks = [wanted[start::PARALLEL_PIPS] for start in range(min(PARALLEL_PIPS, len(wanted)))]
    with ThreadPoolExecutor(max_workers=len(chunks) or 1) as pool:
        found = pool.map(lambda chunk: _download_chunk(target, chunk, dest, pip), chunks)
        return {requirement: why for part in found for requirement, why in part.items()}


def _download_chunk(target: Target, wanted: list[str], dest: Path, pip: PipRunner) -> dict[str, str]:
    missing: dict[str, str] = {}
    while wanted:
        result = pip(["download", "--no-deps", "--only-binary=:all:", "--progress-bar=off",
                      f"--dest={dest}", *target.pip_options(), *wanted])
        if result.returncode == 0:
            return missing
        found = NO_MATCH.search(result.stderr)
        which = [line for line in wanted if found and _name(line) == _name(found.group(1))]
        if not which:
            tail = "\n".join(result.stderr.strip().splitlines()[-6:])
            raise WheelhouseError(f"pip download failed for {target.name}:\n{tail}")
        versions = re.search(r"\(from versions: ([^)]*)\)", result.stderr)
        missing[which[0]] = (f"no wheel for this platform; pip saw versions {versions.group(1)}"
                             if versions and versions.group(1) != "none"
                             else "no wheel for this platform")
        wanted.remove(which[0])
    return missing


def _name(requirement: str) -> str:
    try:
        return canonicalize_name(Requirement(requirement).name)
    except InvalidRequirement:
        return requirement


def fill(dest: Path, target: Target, roots: list[str], pip: PipRunner = run_pip,
         sources: Sources | None = None) -> TargetResult:
    """Downloads into `dest` every wheel the target needs; what has no wheel is said, not fatal.
    A dependency nothing pins, whose installed version has no wheel there, gets the newest
    version that has one."""
    dest.mkdir(parents=True, exist_ok=True)
    sources = sources or Sources(dest)
    result = TargetResult(target)
    missing_names: set[str] = set()
    unavailable: set[tuple[str, Version]] = set()
    for _ in range(MAX_ROUNDS):
        walked = walk(target, roots, sources, missing_names, unavailable)
        lacking = [f"{name}=={version}" for name, version in walked.pins.items()
                   if name not in missing_names and sources.wheel_for(target, name, version) is None]
        needed = list(dict.fromkeys([*walked.unknown, *lacking]))
        if not needed:
            break
        missing_now = download(target, needed, dest, pip)
        sources.refresh()
        for requirement, why in missing_now.items():
            name = _name(requirement)
            if requirement in lacking and not walked.exact(name):
                unavailable.add((name, walked.pins[name]))
                continue
            result.missing[requirement] = why
            missing_names.add(name)
    else:
        raise WheelhouseError(f"{target.name}: the dependencies did not settle in {MAX_ROUNDS} rounds")
    for name in sorted(missing_names - {_name(r) for r in result.missing}):
        result.missing[f"{name}=={walked.pins[name]}"] = "another package needs another version of it"
    for name, version in sorted(unavailable):
        if name in walked.pins:
            result.substituted[name] = (str(version), str(walked.pins[name]))
    for name, version in sorted(walked.pins.items()):
        wheel = sources.wheel_for(target, name, version)
        if wheel is not None:
            result.wheels.append(wheel.path.name)
    return result
