"""Each chapter's playground notebook, executed with the course kernel and rendered as Markdown,
outputs included, for the chapter page to include (build/playgrounds/NN-slug.md).

A render is redone only when its notebook, the pinned dependencies, this renderer or the Python
changed: the key of what it was made from is its first line. Jupyter's libraries are imported only
then, and never by the check runner.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from course.engine.paths import LESSONS_DIR, PLAYGROUND_RENDERS_DIR, REPO_ROOT

if TYPE_CHECKING:
    from nbformat import NotebookNode

CELL_TIMEOUT = 60
HEADING = re.compile(r"^(#{1,6})\s+(.*?)[\s#]*$")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
INDENT = "    "
OUTPUT = "output"


class PlaygroundError(RuntimeError):
    """A playground did not run top to bottom."""


def notebooks(lessons_dir: Path = LESSONS_DIR) -> list[Path]:
    return sorted(lessons_dir.glob("[0-9][0-9]-*/playground.ipynb"))


def render_path(notebook: Path, renders_dir: Path = PLAYGROUND_RENDERS_DIR) -> Path:
    return renders_dir / f"{notebook.parent.name}.md"


def include_line(notebook: Path) -> str:
    """What a chapter page writes where its executed playground goes."""
    return f'--8<-- "{render_path(notebook).relative_to(REPO_ROOT).as_posix()}"'


def source_key(notebook: Path) -> str:
    digest = hashlib.sha256()
    for part in (notebook, REPO_ROOT / "pyproject.toml", Path(__file__)):
        digest.update(part.read_bytes())
    digest.update(sys.version.encode())
    return f"<!-- generated from {notebook.parent.name}/playground.ipynb, {digest.hexdigest()[:16]} -->"


def is_current(notebook: Path, renders_dir: Path = PLAYGROUND_RENDERS_DIR) -> bool:
    try:
        with render_path(notebook, renders_dir).open(encoding="utf-8") as render:
            return render.readline().rstrip("\n") == source_key(notebook)
    except OSError:
        return False


def render_playgrounds(renders_dir: Path = PLAYGROUND_RENDERS_DIR,
                       lessons_dir: Path = LESSONS_DIR) -> list[Path]:
    """Executes and renders every playground whose render is missing or out of date; returns
    the renders written."""
    stale = [nb for nb in notebooks(lessons_dir) if not is_current(nb, renders_dir)]
    if not stale:
        return []
    from course.website.kernel import ensure_kernelspec

    ensure_kernelspec()
    executed = asyncio.run(_execute_all(stale))
    renders_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for notebook, node in zip(stale, executed, strict=True):
        path = render_path(notebook, renders_dir)
        path.write_text(source_key(notebook) + "\n" + to_markdown(node), encoding="utf-8")
        written.append(path)
    return written


def execute(path: Path) -> NotebookNode:
    """One playground, run top to bottom with the kernel its metadata names."""
    return asyncio.run(_execute(path))


async def _execute_all(paths: list[Path]) -> list[NotebookNode]:
    return list(await asyncio.gather(*(_execute(path) for path in paths)))


async def _execute(path: Path) -> NotebookNode:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=CELL_TIMEOUT, kernel_name=notebook.metadata.kernelspec.name,
        # The kernel's own start-up notes (it talks over loopback TCP) are not the site's news.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": str(path.parent)}})
    try:
        await client.async_execute()
    except CellExecutionError as exc:
        from nbconvert.filters import strip_ansi

        raise PlaygroundError(f"{path.parent.name}/playground.ipynb did not run top to bottom: "
                              f"{strip_ansi(str(exc))[-600:]}") from None
    return notebook


def to_markdown(notebook: NotebookNode) -> str:
    """One collapsed block: markdown cells as prose (headings as bold lines, so they stay out of
    the chapter's table of contents), code cells and their outputs as code blocks."""
    version = ".".join(map(str, sys.version_info[:3]))
    body: list[str] = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            body += [*_prose(cell.source), ""]
        elif cell.cell_type == "code" and cell.source.strip():
            body += [*_fenced("python", cell.source), ""]
            for output in _outputs(cell):
                body += [*output, ""]
    title = f"The playground, run when this site was built (Python {version}): every cell and its output"
    lines = [f'??? example playground-run "{title}"', ""]
    lines += [INDENT + line if line else "" for line in body]
    return "\n".join(lines).rstrip() + "\n"


def _prose(source: str) -> list[str]:
    lines, fence = [], None
    for line in source.splitlines():
        opening = FENCE.match(line)
        if opening and (fence is None or opening.group(1).startswith(fence)):
            fence = None if fence else opening.group(1)
        heading = None if fence else HEADING.match(line)
        if heading is None:
            lines.append(line)
        elif len(heading.group(1)) > 1:  # the notebook's title is the block's title
            lines.append(f"**{heading.group(2)}**")
    return lines


def _fenced(language: str, text: str, title: str = "") -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    options = f' title="{title}"' if title else ""
    return [f"{fence}{language}{options}", *text.rstrip("\n").splitlines(), fence]


def _outputs(cell: NotebookNode) -> list[list[str]]:
    from nbconvert.filters import strip_ansi

    blocks = []
    for output in cell.get("outputs", []):
        kind = output.output_type
        if kind == "stream":
            blocks.append(_fenced("text", strip_ansi(output.text), OUTPUT))
        elif kind == "error":
            blocks.append(_fenced("text", strip_ansi("\n".join(output.traceback)), OUTPUT))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            if "image/png" in data:
                blocks.append([f"![output](data:image/png;base64,{data['image/png'].strip()})"])
            elif "text/plain" in data:
                blocks.append(_fenced("text", data["text/plain"], OUTPUT))
    return blocks
