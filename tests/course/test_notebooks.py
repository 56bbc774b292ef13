"""The playgrounds: each runs top to bottom with the course kernel, `jupyter lab` from .venv opens
one with that kernel, and each chapter page includes it executed, outputs and all."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course.engine import ports
from course.engine.paths import REPO_ROOT
from course.website.kernel import DISPLAY_NAME, KERNEL_NAME, ensure_kernelspec, kernelspec_dir
from course.website.playgrounds import (
    PlaygroundError,
    execute,
    include_line,
    is_current,
    notebooks,
    to_markdown,
)

NOTEBOOKS = notebooks()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_playground_runs_top_to_bottom(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        f"{path.parent.name}: commit the notebook with its outputs cleared")
    ensure_kernelspec()
    try:
        execute(path)
    except PlaygroundError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_playground_names_the_course_kernel(path: Path) -> None:
    """So jupyter lab and VS Code open it with .venv's Python, not whatever `python3` is."""
    spec = nbformat.read(path, as_version=4).metadata.kernelspec
    assert (spec.name, spec.display_name, spec.language) == (KERNEL_NAME, DISPLAY_NAME, "python")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_the_chapter_page_includes_its_executed_playground(path: Path) -> None:
    page = (path.parent / "index.md").read_text(encoding="utf-8")
    assert include_line(path) in page.splitlines(), f"{path.parent.name}: add `{include_line(path)}`"
    assert is_current(path), "the render was not made from this notebook (conftest generates it)"


def test_the_course_kernel_runs_this_environment() -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    ensure_kernelspec()
    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    assert spec.argv[0] == sys.executable and spec.display_name == DISPLAY_NAME
    assert Path(spec.resource_dir).is_relative_to(sys.prefix)


def test_a_kernelspec_left_by_another_python_is_replaced(tmp_path: Path) -> None:
    spec = kernelspec_dir(str(tmp_path)) / "kernel.json"
    spec.parent.mkdir(parents=True)
    spec.write_text(json.dumps({"argv": ["/gone/bin/python", "-m", "ipykernel_launcher"],
                                "display_name": DISPLAY_NAME, "language": "python"}))
    ensure_kernelspec(str(tmp_path))
    assert json.loads(spec.read_text())["argv"][0] == sys.executable
    written = spec.stat().st_mtime_ns
    ensure_kernelspec(str(tmp_path))
    assert spec.stat().st_mtime_ns == written, "a current kernelspec is left alone"


def test_a_render_shows_prose_code_and_every_kind_of_output() -> None:
    notebook = new_notebook(cells=[
        new_markdown_cell("# The title\n\nIntro.\n\n## Part one\n\n```python\n# a comment\n```"),
        new_code_cell("print('hi')", outputs=[new_output("stream", name="stdout", text="hi\n")]),
        new_code_cell("6 * 7", outputs=[new_output("execute_result", data={"text/plain": "42"},
                                                   execution_count=2)]),
        new_code_cell("1 / 0", outputs=[new_output(
            "error", ename="ZeroDivisionError", evalue="division by zero",
            traceback=["\x1b[0;31mZeroDivisionError\x1b[0m: division by zero"])]),
        new_code_cell("x = '```'"),
    ])
    render = to_markdown(notebook)
    first, *body = render.splitlines()
    assert first.startswith("??? example playground-run ")
    assert all(not line or line.startswith("    ") for line in body), "not inside the block"
    text = [line.removeprefix("    ") for line in body]
    assert "The title" not in render and "**Part one**" in text and "# a comment" in text
    assert text[text.index("print('hi')") - 1] == "```python"
    for output in ("hi", "42", "ZeroDivisionError: division by zero"):
        assert text[text.index(output) - 1] == '```text title="output"', output
    assert "\x1b" not in render
    assert text[text.index("x = '```'") - 1] == "````python", "a fence longer than the code's"


@pytest.fixture
def jupyter_lab(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`jupyter lab` from this environment, as the README starts it, on a free loopback port;
    (base URL, token). Stopped, kernels and all, after the test."""
    port = ports.free_port()
    token = secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "IPYTHONDIR": str(tmp_path / "ipython")}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={REPO_ROOT}",
         # CI and containers run as root, where jupyter refuses to start without being told
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:  # readiness: the server answers its status API
            with contextlib.suppress(OSError):
                if api(base, token, "GET", "/api/status"):
                    break
            assert server.poll() is None, f"jupyter lab stopped: {server.stderr.read()[-1500:]}"
            assert time.monotonic() < deadline, "jupyter lab did not answer within 90 s"
            time.sleep(0.2)
        yield base, token
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        server.stderr.close()


def api(base: str, token: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        base + path, method=method, data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def run_in_kernel(base: str, token: str, kernel_id: str, code: str) -> str:
    """What `code` prints, run through the kernel's channels as JupyterLab runs a cell."""
    from websockets.sync.client import connect

    msg_id = uuid.uuid4().hex
    message = {"header": {"msg_id": msg_id, "session": uuid.uuid4().hex, "username": "test",
                          "msg_type": "execute_request", "version": "5.3"},
               "parent_header": {}, "metadata": {}, "channel": "shell",
               "content": {"code": code, "silent": False, "store_history": False,
                           "user_expressions": {}, "allow_stdin": False}}
    url = base.replace("http", "ws") + f"/api/kernels/{kernel_id}/channels?token={token}"
    printed = []
    with connect(url, open_timeout=30) as channels:
        channels.send(json.dumps(message))
        while True:
            reply = json.loads(channels.recv(timeout=60))
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if reply["msg_type"] == "stream":
                printed.append(reply["content"]["text"])
            if reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
                return "".join(printed)


def test_jupyter_lab_opens_a_playground_with_the_course_kernel(jupyter_lab) -> None:
    base, token = jupyter_lab
    ensure_kernelspec()
    notebook = NOTEBOOKS[0].relative_to(REPO_ROOT).as_posix()
    request = urllib.request.Request(f"{base}/lab/tree/{notebook}",
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as page:
        assert page.status == 200 and b"JupyterLab" in page.read()
    assert KERNEL_NAME in api(base, token, "GET", "/api/kernelspecs")["kernelspecs"]
    kernel = nbformat.read(NOTEBOOKS[0], as_version=4).metadata.kernelspec.name
    session = api(base, token, "POST", "/api/sessions", {
        "path": notebook, "name": NOTEBOOKS[0].name, "type": "notebook",
        "kernel": {"name": kernel}})
    try:
        assert session["kernel"]["name"] == KERNEL_NAME
        printed = run_in_kernel(base, token, session["kernel"]["id"],
                                "import sys, fastapi; print(sys.executable)")
        assert printed.strip() == sys.executable, "the playground's kernel is another Python"
    finally:
        with contextlib.suppress(urllib.error.URLError):
            api(base, token, "DELETE", f"/api/sessions/{session['id']}")
