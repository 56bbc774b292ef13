"""The README's PowerShell steps, read as PowerShell would run them: no bash in them, every program
they name is one the install provides, and the lines that can run here do."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

from course.engine.paths import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
BASH_ONLY = {"source ": "source", "export ": "export", "&&": "&&", "/bin/": "a POSIX path",
             "~/": "a POSIX home"}
# What .venv\Scripts holds after `pip install -e .`: the venv's own files, the project's entry
# points and those of the learner's tools it installs.
VENV_PROGRAMS = {"python", "Activate.ps1", "pip", "pytest", "jupyter", "mkdocs",
                 *PYPROJECT["project"]["scripts"]}


def powershell_lines() -> list[str]:
    blocks = re.findall(r"```powershell\n(.*?)```", README, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_the_powershell_steps_hold_no_bash() -> None:
    lines = powershell_lines()
    assert len(lines) >= 5, "the README has no PowerShell steps"
    for line in lines:
        found = [name for text, name in BASH_ONLY.items() if text in line]
        assert not found, f"README, PowerShell: {line!r} uses {found}, which PowerShell does not know"
        assert not line.endswith("\\"), f"README, PowerShell: {line!r} continues a line the bash way"


def test_the_powershell_steps_name_only_what_the_install_provides() -> None:
    lines = powershell_lines()
    assert lines[0].startswith("py -3 -m venv .venv"), "the venv is not made by the Python launcher"
    extras = set(PYPROJECT["project"]["optional-dependencies"])
    for line in lines:
        program = line.split()[0]
        if program.startswith(".venv\\Scripts\\"):
            name = program.removeprefix(".venv\\Scripts\\")
            assert name in VENV_PROGRAMS, f"README, PowerShell: {line!r}: .venv has no {name}"
        else:
            assert program in {"py", "Set-ExecutionPolicy"}, f"README, PowerShell: {line!r}"
        for extra in re.findall(r'-e "\.\[(\w+)\]"', line):
            assert extra in extras, f"README, PowerShell: {line!r}: pyproject has no extra {extra}"
        assert "editable_mode" not in line, f"{line!r}: a setuptools option that only warns now"
    installs = [line for line in lines if " pip install " in line]
    assert installs[0].endswith("pip install -e ."), "a learner's first install is not the learner's"
    assert any("-ExecutionPolicy" in line and "-Scope Process" in line for line in lines), (
        "the README does not say how to let this PowerShell window run Activate.ps1")


def test_the_version_check_runs() -> None:
    check = next(line for line in powershell_lines() if "version_info" in line)
    code = re.search(r'-c "(.*)"$', check)
    assert code, f"cannot read the Python in {check!r}"
    subprocess.run([sys.executable, "-c", code.group(1)], check=True)
    old = code.group(1).replace("(3, 11)", "(99, 0)")
    assert subprocess.run([sys.executable, "-c", old], capture_output=True).returncode != 0
