"""`course watch`: re-check the current lab on every save, in one stable panel, and move on to the
next unfinished lab when it passes.

File events do not arrive everywhere (WSL on a Windows drive, containers with bind mounts,
network file systems): there the watcher polls, chosen by itself or with `--poll`.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import watchfiles
from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.text import Text

from course.engine.links import section_url
from course.engine.paths import LABS_DIR
from course.engine.registry import Lab
from course.engine.runner import CheckRun

IGNORED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
IGNORED_SUFFIXES = (".pyc", ".pyo", ".db", ".db-journal", ".sqlite3", ".swp", ".tmp", "~")
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "fuse.sshfs", "vboxsf",
                       "fuse.vmhgfs-fuse", "virtiofs", "drvfs", "fakeowner"}
DEBOUNCE_MS = 50


def poll_reason(path: Path = LABS_DIR) -> str | None:
    """Why file events may not arrive for `path`, or None where they do."""
    if os.environ.get("WATCHFILES_FORCE_POLLING"):
        return "WATCHFILES_FORCE_POLLING is set"
    release = platform.release().lower()
    resolved = path.resolve()
    if "microsoft" in release and str(resolved).startswith("/mnt/"):
        return "WSL, and the course lives on a Windows drive"
    fs_type = filesystem_type(resolved)
    if fs_type in NETWORK_FILESYSTEMS:
        return f"the course lives on a {fs_type} file system"
    in_container = Path("/.dockerenv").exists() or Path("/run/.containerenv").exists()
    if in_container and fs_type not in ("ext4", "xfs", "btrfs", "tmpfs", "overlay", "zfs"):
        return "inside a container, on a mounted folder"
    return None


def filesystem_type(path: Path) -> str | None:
    """The type of the file system `path` is on, from /proc/mounts (Linux only)."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    best, best_type = "", None
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point = fields[1].replace("\\040", " ")
        inside = str(path) == mount_point or str(path).startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) > len(best):
            best, best_type = mount_point, fields[2]
    return best_type


def changed_labs(paths: set[str], labs_dir: Path = LABS_DIR) -> set[str]:
    """The lab folders (slugs) touched by a batch of changes. A folder replaced as a whole (as
    `course reset` does, in two renames) is reported by its own path, not by its files'."""
    slugs = set()
    for path in paths:
        try:
            parts = Path(path).relative_to(labs_dir).parts
        except ValueError:
            continue
        if parts:
            slugs.add(parts[0])
    return slugs


def relevant(change: watchfiles.Change, path: str) -> bool:
    parts = Path(path).parts
    return not (set(parts) & IGNORED_PARTS) and not path.endswith(IGNORED_SUFFIXES)


def saves(folder: Path, *, poll: bool, stop_event=None) -> Iterator[set[str]]:
    """Batches of changed files under `folder`, debounced; ends quietly on Ctrl-C.

    An empty batch comes every 100 ms without changes: the first one says the watcher is in
    place, so nothing saved from then on (even during the first check) can be missed."""
    for changes in watchfiles.watch(
        folder, watch_filter=relevant, debounce=DEBOUNCE_MS, step=25, force_polling=poll,
        poll_delay_ms=250, raise_interrupt=False, stop_event=stop_event,
        rust_timeout=100, yield_on_timeout=True,
    ):
        yield {path for _, path in changes}


@dataclass
class WatchView:
    """What the panel shows: the lab, its last run, and one line of news."""

    lab: Lab
    run: CheckRun | None = None
    news: str = ""
    mode: str = "file events"

    def render(self) -> Panel:
        lines: list[Text] = []
        if self.run is None:
            lines.append(Text("checking…", style="dim"))
        else:
            for result in self.run.results:
                mark = Text("✓ ", style="green") if result.ok else Text("✗ ", style="red")
                lines.append(mark + Text(result.check))
                if not result.ok:
                    lines += [Text(f"    {line}", style="dim")
                              for line in result.message.splitlines()]
                link = None if result.ok else section_url(self.lab, result.check)
                if link:
                    lines.append(Text("    read: ", style="cyan") + Text(link, style=f"link {link}"))
            style = "bold green" if self.run.ok else "bold red"
            lines.append(Text(f"{self.run.passed} passed, {self.run.failed} failed", style=style)
                         + Text(f"  ({self.run.seconds:.2f} s)", style="dim"))
        if self.news:
            lines.append(Text(self.news, style="cyan"))
        lines.append(Text(f"watching labs/{self.lab.slug} ({self.mode}) · Ctrl-C to stop",
                          style="dim"))
        return Panel(Group(*lines), title=f"Lab {self.lab.id} · {self.lab.title}",
                     title_align="left")


def next_unfinished(labs: list[Lab], after: Lab, passed: Callable[[Lab], bool]) -> Lab | None:
    later = [lab for lab in labs if lab.id > after.id] + [lab for lab in labs if lab.id < after.id]
    return next((lab for lab in later if not passed(lab)), None)


def watch(first: Lab, labs: list[Lab], check: Callable[[Lab], CheckRun],
          passed: Callable[[Lab], bool], *, poll: bool | None, console: Console) -> None:
    """`passed(lab)`: did the lab's last recorded run pass (read afresh on every call)."""
    reason = poll_reason() if poll is None else ("--poll" if poll else None)
    use_polling = reason is not None
    view = WatchView(first, mode=f"polling: {reason}" if use_polling else "file events")
    interactive = console.is_terminal

    def plain(text: str) -> None:
        console.print(f"[watch] {text}", markup=False, highlight=False, soft_wrap=True)

    def show(live: Live | None) -> None:
        if live is not None:
            live.update(view.render(), refresh=True)
            return
        if view.run is not None:  # not a terminal: one plain line per verdict, for logs and tests
            state = "PASS" if view.run.ok else "FAIL"
            plain(f"lab {view.lab.id}: {state} {view.run.passed} passed, {view.run.failed} failed")
            for result in view.run.results:
                if not result.ok:
                    symptom, *more = result.message.splitlines() or [""]
                    plain(f"  ✗ {result.check}: {symptom}")
                    for line in more:
                        plain(f"    {line}")
                    link = section_url(view.lab, result.check)
                    if link:
                        plain(f"    read: {link}")
        if view.news:
            plain(view.news)

    def check_current(live: Live | None) -> None:
        view.run = check(view.lab)
        while view.run.ok:
            following = next_unfinished(labs, view.lab, passed)
            if following is None:
                view.news = "Every lab passes. Well done!"
                break
            view.news = (f"Lab {view.lab.id} passes! Moving on to lab {following.id} · "
                         f"{following.title}")
            show(live)
            view.lab, view.run = following, None
            view.run = check(view.lab)
        show(live)
        view.news = ""

    live = Live(view.render(), console=console, auto_refresh=False, transient=False) \
        if interactive else None
    try:
        if live:
            live.start()
        else:
            plain(f"watching labs/{view.lab.slug} ({view.mode})")
        batches = saves(LABS_DIR, poll=use_polling)
        next(batches, None)  # the watcher is in place before the first check
        check_current(live)
        for changed in batches:
            touched = changed_labs(changed)
            if view.lab.slug in touched:
                check_current(live)
            elif view.run is not None and view.run.ok:
                # Every lab passed, and another lab changed (a `course reset`, an edit): it is
                # the one to watch now, if it no longer passes.
                other = next((lab for lab in labs if lab.slug in touched), None)
                if other is not None:
                    view.lab, view.run = other, None
                    check_current(live)
    except KeyboardInterrupt:  # Ctrl-C while a check runs: the runner has already stopped it
        pass
    finally:
        if live:
            live.stop()
    console.print("Stopped watching.")
