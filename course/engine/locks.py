"""Commands that change the same files take turns: two `course reset`s, or a reset and a
catch-up, started at once must not interleave one's backup with the other's swap."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from course.engine.paths import STATE_DIR

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; commands there are not run concurrently
    fcntl = None  # type: ignore[assignment]


@contextlib.contextmanager
def exclusive(name: str, directory: Path = STATE_DIR) -> Iterator[None]:
    """Holds `<directory>/<name>.lock` for the block; another holder waits its turn."""
    directory.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    with open(directory / f"{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
