"""The course's Jupyter kernel: this environment's Python, registered under one name in the
environment itself (sys.prefix), so `jupyter lab` and VS Code started from .venv find it and every
playground's metadata names it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

KERNEL_NAME = "fastapi-boundaries"
DISPLAY_NAME = "FastAPI Boundaries (.venv)"


def kernelspec_dir(prefix: str = sys.prefix) -> Path:
    return Path(prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME


def ensure_kernelspec(prefix: str = sys.prefix) -> Path:
    """Registers the kernel unless it is there and runs this interpreter (a rebuilt .venv has
    another one); cheap when nothing needs doing."""
    spec = kernelspec_dir(prefix) / "kernel.json"
    try:
        if json.loads(spec.read_text(encoding="utf-8"))["argv"][0] == sys.executable:
            return spec.parent
    except (OSError, ValueError, KeyError, IndexError):
        pass
    from ipykernel.kernelspec import install

    return Path(install(kernel_name=KERNEL_NAME, display_name=DISPLAY_NAME, prefix=prefix))


if __name__ == "__main__":
    print(ensure_kernelspec())
