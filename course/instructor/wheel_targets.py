"""The machines a handout's wheelhouse serves: a platform (OS and CPU) and a Python version, each
described the way pip's `download --platform --python-version` and packaging's tags need it."""

from __future__ import annotations

import platform as host_platform
import sys
from dataclasses import dataclass
from functools import cached_property

from packaging import tags
from packaging.markers import default_environment

# Wheels built for a newer OS than these would not install on the learners' older laptops.
MACOS_FLOOR = (12, 0)
MANYLINUX_NEWEST = 28  # glibc 2.28: Debian 10, Ubuntu 20.04, RHEL 8 and anything newer


def _manylinux(arch: str) -> tuple[str, ...]:
    modern = [f"manylinux_2_{minor}_{arch}" for minor in range(MANYLINUX_NEWEST, 4, -1)]
    return (*modern, f"manylinux2014_{arch}", f"manylinux2010_{arch}", f"manylinux1_{arch}")


@dataclass(frozen=True)
class Platform:
    name: str
    pip_platforms: tuple[str, ...]  # pip expands a macOS tag to older releases by itself
    wheel_platforms: tuple[str, ...]  # every platform tag a wheel that installs there may carry
    markers: tuple[tuple[str, str], ...]  # os_name, sys_platform, platform_system, platform_machine


def _platform(name: str, pip_platforms: tuple[str, ...], wheel_platforms: tuple[str, ...],
              os_name: str, sys_platform: str, system: str, machine: str) -> Platform:
    return Platform(name, pip_platforms, wheel_platforms,
                    (("os_name", os_name), ("sys_platform", sys_platform),
                     ("platform_system", system), ("platform_machine", machine)))


def _macos(arch: str) -> Platform:
    floor = f"macosx_{MACOS_FLOOR[0]}_{MACOS_FLOOR[1]}_{arch}"
    return _platform(f"macos-{arch}", (floor,), tuple(tags.mac_platforms(MACOS_FLOOR, arch)),
                     "posix", "darwin", "Darwin", arch)


PLATFORMS: dict[str, Platform] = {
    "linux-x86_64": _platform("linux-x86_64", _manylinux("x86_64"), _manylinux("x86_64"),
                              "posix", "linux", "Linux", "x86_64"),
    "linux-aarch64": _platform("linux-aarch64", _manylinux("aarch64"), _manylinux("aarch64"),
                               "posix", "linux", "Linux", "aarch64"),
    "macos-arm64": _macos("arm64"),
    "macos-x86_64": _macos("x86_64"),
    "windows-amd64": _platform("windows-amd64", ("win_amd64",), ("win_amd64",),
                               "nt", "win32", "Windows", "AMD64"),
}
DEFAULT_PLATFORMS = ("linux-x86_64", "macos-arm64", "macos-x86_64", "windows-amd64")
PYTHONS = ("3.11", "3.12", "3.13")
# The patch release a target stands for: pip compares Requires-Python with it (pymdown-extensions
# 13 needs 3.11.5 or newer), and a learner installing today has a recent one.
PATCH_RELEASES = {"3.11": "3.11.14", "3.12": "3.12.12", "3.13": "3.13.9"}
THIS = "this"  # the platform of the machine building the handout


def this_platform() -> Platform:
    here = tuple(tags.platform_tags())
    env = default_environment()
    return _platform(THIS, here, here, env["os_name"], env["sys_platform"],
                     env["platform_system"], env["platform_machine"])


def this_python() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def platform_named(name: str) -> Platform:
    if name == THIS:
        return this_platform()
    try:
        return PLATFORMS[name]
    except KeyError:
        raise ValueError(f"no platform {name!r}; known: {', '.join([*PLATFORMS, THIS])}") from None


@dataclass(frozen=True)
class Target:
    platform: Platform
    python: str  # "3.12"

    @property
    def name(self) -> str:
        return f"{self.platform.name} · Python {self.python}"

    @property
    def _version(self) -> tuple[int, int]:
        major, minor = self.python.split(".")
        return int(major), int(minor)

    @property
    def _abi(self) -> str:
        return "cp{}{}".format(*self._version)

    @property
    def full_version(self) -> str:
        if self.platform.name == THIS and self.python == this_python():
            return host_platform.python_version()
        return PATCH_RELEASES.get(self.python, f"{self.python}.0")

    def environment(self) -> dict[str, str]:
        """The environment markers of a CPython of this version on this platform."""
        full = self.full_version
        return {"implementation_name": "cpython", "implementation_version": full,
                "platform_python_implementation": "CPython", "platform_release": "",
                "platform_version": "", "python_full_version": full,
                "python_version": self.python, **dict(self.platform.markers)}

    @cached_property
    def tags(self) -> frozenset[tags.Tag]:
        platforms = list(self.platform.wheel_platforms)
        return frozenset([*tags.cpython_tags(self._version, [self._abi], platforms),
                          *tags.compatible_tags(self._version, self._abi, platforms)])

    def pip_options(self) -> list[str]:
        options = [f"--platform={tag}" for tag in self.platform.pip_platforms]
        return [*options, f"--python-version={self.full_version}", "--implementation=cp",
                f"--abi={self._abi}"]


def targets(platforms: list[str] | None, pythons: list[str] | None) -> list[Target]:
    """Every platform × Python asked for; by default the four desktop platforms × 3.11–3.13."""
    for python in pythons or []:
        if python not in PYTHONS and python != this_python():
            raise ValueError(f"no Python {python!r} in the course's range: {', '.join(PYTHONS)}")
    chosen = [platform_named(name) for name in platforms or DEFAULT_PLATFORMS]
    return [Target(platform, python) for platform in chosen for python in pythons or PYTHONS]
