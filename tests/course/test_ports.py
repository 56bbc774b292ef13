"""The port plan (course/engine/ports.py): the course site, every lab and every stand-in a lab brings on a
port of its own; every port the README, the briefs and the lessons print agrees with it; every
command of a brief works as written in bash, zsh and PowerShell; and the documented commands,
run as they are printed, serve the site, every lab and its stand-ins at the same time, with the
`read:` links and the status panel on the site's real port."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from test_site import PageVisit, browser  # noqa: F401 (the browser fixture, on `served` below)

from copies import copy_course, course_env, run_course
from course.engine import ports
from course.engine.links import announce_site, running_site, site_url
from course.engine.paths import CHECKS_DIR, LESSONS_DIR, REPO_ROOT
from course.engine.registry import Lab, RegistryError, all_labs, load_lab
from programs import require_program

LABS = all_labs()
BRIEF_WIDTH = 88  # the site's content column, in characters of a code block
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```$", re.MULTILINE | re.DOTALL)
PORT_MENTION = re.compile(
    r"(?:localhost|127\.0\.0\.1):(\d{2,5})|--port[ =](\d{2,5})|\bports? (\d{4,5})\b")
# Read outside single quotes by bash, zsh or PowerShell: a brief's command has none of them.
SHELL_SPECIAL = set('"$#&\\`;<>(){}[]*?!,')
# How a lab finds each stand-in when the stand-in is not on its planned port (the brief says).
STAND_IN_SETTINGS = {"insurer-sandbox": "CLINIC_INSURER_URL",
                     "notifier-sandbox": "CLINIC_NOTIFIER_URL",
                     "lab-results-sandbox": "CLINIC_LAB_RESULTS_URL",
                     "payments-sandbox": "CLINIC_PAYMENTS_URL"}
# A brief's commands that run until stopped and listen on no port: a lab's worker process.
UNTIL_STOPPED = re.compile(r"^python -m app\.worker$")
NO_PROXY = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def plan_of(lab: Lab) -> dict[str, int]:
    return {"service": lab.service_port, **lab.ports}


PLANNED = {ports.SITE_PORT, ports.EXAMPLES_PORT} | {
    port for lab in LABS for port in plan_of(lab).values()}


def brief_of(lab: Lab) -> str:
    return (lab.starter_dir / "README.md").read_text(encoding="utf-8")


def mentioned_ports(text: str) -> Iterator[tuple[int, str]]:
    for line in text.splitlines():
        for match in PORT_MENTION.finditer(line):
            yield int(next(group for group in match.groups() if group)), line.strip()


def commands_of(text: str) -> Iterator[str]:
    """The commands of the code blocks, a command going on while a quote or a pipe is open."""
    for block in FENCE.findall(text):
        pending = ""
        for line in block.splitlines():
            pending = f"{pending}\n{line}" if pending else line
            if pending.count("'") % 2 or pending.rstrip().endswith("|"):
                continue
            if pending.strip():
                yield pending
            pending = ""
        assert not pending, f"a code block ends inside a quote or a pipe: {pending!r}"


def shell_problems(command: str) -> set[str]:
    """What bash, zsh or PowerShell would read differently in `command`, outside its quotes."""
    outside = "".join(part for n, part in enumerate(command.split("'")) if n % 2 == 0)
    found = SHELL_SPECIAL & set(outside)
    if re.search(r"(?:^|\s)@", outside):
        found.add("@ (PowerShell splats it)")
    return found


# --------------------------------------------------------------------------- the plan, statically


def test_every_service_has_a_port_of_its_own() -> None:
    owners = {ports.SITE_PORT: "the course site", ports.EXAMPLES_PORT: "the lessons' examples"}
    for lab in LABS:
        for name, port in plan_of(lab).items():
            assert port not in owners, f"lab {lab.id}'s {name} and {owners[port]} share {port}"
            owners[port] = f"lab {lab.id}'s {name}"
    assert all(ports.SITE_PORT not in range(ports.lab_port(n), ports.lab_port(n) + 10)
               for n in range(1, 15)), "a chapter's block of ports holds the site's"


@pytest.mark.parametrize("change", [
    ('run = "uvicorn app.main:app --reload --port 8010"', 'run = "uvicorn app.main:app"'),
    ("insurer-sandbox = 8011", "insurer-sandbox = 8021"),
    ("insurer-sandbox = 8011", "insurer-sandbox = 8010"),
    ("insurer-sandbox = 8011", "insurer-sandbox = 8011\nsecond-sandbox = 8011"),
])
def test_a_lab_toml_off_the_plan_is_refused(tmp_path: Path, change: tuple[str, str]) -> None:
    lab = LABS[0]
    text = (lab.starter_dir / "lab.toml").read_text(encoding="utf-8")
    assert change[0] in text
    path = tmp_path / lab.slug / "lab.toml"
    path.parent.mkdir()
    path.write_text(text.replace(change[0], change[1]), encoding="utf-8")
    with pytest.raises(RegistryError, match=r"--port 8010|outside|share a port"):
        load_lab(path)


@pytest.mark.parametrize("lab", LABS, ids=[lab.slug for lab in LABS])
def test_a_brief_names_only_its_own_ports(lab: Lab) -> None:
    text = brief_of(lab)
    for port, line in mentioned_ports(text):
        assert port in plan_of(lab).values(), (
            f"{lab.slug}/README.md says {line!r}: port {port} is not lab {lab.id}'s "
            f"({plan_of(lab)}, course/engine/ports.py)")
    assert lab.run in text, f"{lab.slug}/README.md does not start the lab with `{lab.run}`"
    for name, port in lab.ports.items():
        assert str(port) in text, f"{lab.slug}/README.md does not say where {name} listens"


def test_the_readme_and_the_lessons_follow_the_plan() -> None:
    pages = {"README.md": (REPO_ROOT / "README.md").read_text(encoding="utf-8")}
    pages |= {str(page.relative_to(REPO_ROOT)): page.read_text(encoding="utf-8")
              for page in sorted(LESSONS_DIR.rglob("*.md"))}
    for name, text in pages.items():
        for port, line in mentioned_ports(text):
            assert port in PLANNED, f"{name} says {line!r}: port {port} is in no plan"
        for line in text.splitlines():
            lab = next((lab for lab in LABS if f"cd labs/{lab.slug}" in line), None)
            if lab is not None and "uvicorn" in line:
                assert f"--port {lab.service_port}" in line, (
                    f"{name} starts lab {lab.id} off its port ({lab.service_port}): {line!r}")
            if "read: http" in line:
                assert f"127.0.0.1:{ports.SITE_PORT}/" in line, f"{name}: {line!r}"
    start = next(line for line in pages["README.md"].splitlines() if line.startswith("make start"))
    assert ports.site_url() in start


@pytest.mark.parametrize("lab", LABS, ids=[lab.slug for lab in LABS])
def test_a_brief_s_commands_fit_the_page_and_every_shell(lab: Lab) -> None:
    text = brief_of(lab)
    for block in FENCE.findall(text):
        for line in block.splitlines():
            assert len(line) <= BRIEF_WIDTH, (
                f"{lab.slug}/README.md: a code line of {len(line)} characters scrolls on the "
                f"site (at most {BRIEF_WIDTH}): {line!r}")
    commands = list(commands_of(text))
    assert len(commands) >= 3
    for command in commands:
        problems = shell_problems(command)
        assert not problems, (f"{lab.slug}/README.md: {command!r} does not work as written in "
                              f"every shell (it has {sorted(problems)} outside quotes)")


def load_file(path: Path) -> ModuleType:
    """A lab file that imports nothing of its lab, loaded on its own."""
    name = f"port_plan_{path.parent.parent.name}_{path.stem}".replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name)
    return module


def test_the_labs_own_defaults_follow_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    for lab in LABS:
        for source in [*lab.starter_dir.rglob("*.py"), *lab.solution_dir.rglob("*.py")]:
            for port, line in mentioned_ports(source.read_text(encoding="utf-8")):
                assert port in plan_of(lab).values(), f"{source}: {line!r} is off the plan"
    monkeypatch.delenv("CLINIC_INSURER_URL", raising=False)
    lab = next(lab for lab in LABS if "insurer-sandbox" in lab.ports)
    sandbox = lab.ports["insurer-sandbox"]
    for folder in (lab.starter_dir, lab.solution_dir):
        settings = load_file(folder / "app" / "settings.py").Settings.from_environment()
        assert settings.insurer_url == f"http://{ports.HOST}:{sandbox}", folder
    options = load_file(lab.starter_dir / "insurer_sandbox.py").options().parse_args([])
    assert options.port == sandbox
    for lab in LABS:  # each sandbox listens, by default, where the lab's .env.example says
        example_file = lab.starter_dir / ".env.example"
        example = example_file.read_text(encoding="utf-8") if example_file.is_file() else ""
        for name, port in lab.ports.items():
            script = lab.starter_dir / f"{name.replace('-', '_')}.py"
            assert load_file(script).options().parse_args([]).port == port, script
            if example and name in STAND_IN_SETTINGS:
                assert f"{STAND_IN_SETTINGS[name]}=http://{ports.HOST}:{port}\n" in example, (
                    f"{example_file} does not point {STAND_IN_SETTINGS[name]} at {name}")


# --------------------------------------------------------------------------- links to the site


def test_free_ports_are_free_and_below_the_ephemeral_range(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    first_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    chosen = {ports.free_port() for _ in range(20)}
    assert all(ports.FREE_PORTS_FROM <= port < first_ephemeral for port in chosen)
    assert len(chosen) > 1
    monkeypatch.setattr(ports, "RESERVED_FILE", tmp_path / "ports.txt")
    held_port, other = unreserved_free_ports(2, tmp_path / "ports.txt")
    with socket.socket() as held:
        held.bind((ports.HOST, held_port))
        held.listen()
        monkeypatch.setattr(ports, "_chooser", Draws(held_port, other))
        assert ports.free_port() == other
    monkeypatch.undo()
    # No room below the ephemeral range (a machine tuned so): the kernel's choice, still free.
    narrow = tmp_path / "ip_local_port_range"
    narrow.write_text(f"{ports.FREE_PORTS_FROM + 10}\t60999\n")
    monkeypatch.setattr(ports, "_EPHEMERAL_RANGE", narrow)
    with socket.socket() as probe:
        probe.bind((ports.HOST, ports.free_port()))


class Draws:
    """A chooser that draws the given ports, in order."""

    def __init__(self, *drawn: int) -> None:
        self.drawn = list(drawn)

    def randrange(self, start: int, stop: int) -> int:
        return self.drawn.pop(0)


def unreserved_free_ports(count: int, reservations: Path) -> list[int]:
    """Free ports, distinct, and not reserved (`reservations` is ports.RESERVED_FILE)."""
    found = [ports.free_port() for _ in range(count)]  # distinct: each reserved once drawn
    reservations.unlink()
    return found


def test_a_port_chosen_is_not_chosen_again_while_its_server_starts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any process of this user reads the reservations from one file: a port drawn twice
    within RESERVED_SECONDS is skipped the second time, and free again after."""
    monkeypatch.setattr(ports, "RESERVED_FILE", tmp_path / "ports.txt")
    first, second = unreserved_free_ports(2, tmp_path / "ports.txt")
    monkeypatch.setattr(ports, "_chooser", Draws(first, first, second))
    assert (ports.free_port(), ports.free_port()) == (first, second)
    reserved = (tmp_path / "ports.txt").read_text().splitlines()
    assert {int(line.split()[0]) for line in reserved} == {first, second}
    (tmp_path / "ports.txt").write_text(f"{first} {time.time() - ports.RESERVED_SECONDS - 1}\n"
                                        "not a reservation\n")
    monkeypatch.setattr(ports, "_chooser", Draws(first))
    assert ports.free_port() == first


def test_links_follow_the_running_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COURSE_SITE_URL", raising=False)
    record = tmp_path / ".course" / "site.json"
    assert site_url(record) == ports.site_url() == f"http://127.0.0.1:{ports.SITE_PORT}"
    with announce_site("http://127.0.0.1:9123", record):
        assert site_url(record) == "http://127.0.0.1:9123"
        monkeypatch.setenv("COURSE_SITE_URL", "http://10.1.2.3:8800/")
        assert site_url(record) == "http://10.1.2.3:8800"
        monkeypatch.delenv("COURSE_SITE_URL")
    assert not record.exists() and site_url(record) == ports.site_url()


def test_a_second_site_keeps_its_record_and_a_dead_one_is_ignored(tmp_path: Path) -> None:
    record = tmp_path / "site.json"
    with announce_site("http://127.0.0.1:9001", record):
        # Another `course start` (another process) took over meanwhile: its record stays.
        record.write_text(json.dumps({"url": "http://127.0.0.1:9002", "pid": os.getppid()}))
    assert running_site(record) == "http://127.0.0.1:9002"
    if os.name != "nt":  # there the record is trusted as it is
        ended = subprocess.Popen([sys.executable, "-c", "pass"])
        ended.wait()
        record.write_text(json.dumps({"url": "http://127.0.0.1:9003", "pid": ended.pid}))
        assert running_site(record) is None


# --------------------------------------------------------------------------- the documented commands


def port_is_free(port: int) -> bool:
    """Can a server listen there now (as uvicorn does: closed connections do not count)?"""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((ports.HOST, port))
        except OSError:
            return False
    return True


def get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass
class Running:
    """A documented command, running in a process group of its own."""

    command: str
    process: subprocess.Popen
    output: Path

    def listening(self, port: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"`{self.command}` ended: {self.tail()}"
            with contextlib.suppress(OSError), socket.create_connection((ports.HOST, port), 0.5):
                return
            time.sleep(0.1)
        raise AssertionError(f"`{self.command}` did not listen on {port}: {self.tail()}")

    def tail(self) -> str:
        return self.output.read_text(errors="replace")[-1500:]

    def stop(self) -> None:
        """Ctrl-C, as in its terminal; whatever is left of its group after that, killed."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def lab_env() -> dict[str, str]:
    """A learner's terminal with the course's environment activated."""
    env = {**os.environ, **NO_PROXY, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                                            f"{os.environ.get('PATH', '')}"}
    env.pop("PYTHONPATH", None)
    return env


def start(command: str, cwd: Path, env: dict[str, str], log: Path) -> Running:
    with log.open("w") as output:
        process = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=cwd, env=env,
                                   stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    return Running(command, process, log)


@dataclass
class Site:
    copy: Path
    url: str


URL_SAID = re.compile(r"The course is at (http://127\.0\.0\.1:\d+)/")


@pytest.fixture(scope="module")
def course_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """`course start` (what `make start` runs) in a fresh copy of the course: on the plan's
    port, or with `--port 0` (any free one) where something on this machine holds that."""
    folder = tmp_path_factory.mktemp("ports")
    copy = copy_course(folder / "course")
    attempts = [[], ["--port", "0"]] if port_is_free(ports.SITE_PORT) else [["--port", "0"]]
    for extra in attempts:  # the plan's port, unless something took it since it was free
        running = start_the_site(copy, extra, folder / "course-start.log")
        try:
            url = running.said_url()
            assert extra or url == ports.site_url(), f"`course start` said {url}"
            running.listening(int(url.rsplit(":", 1)[1]))
            yield Site(copy, url)
        except PortTakenMeanwhile:
            continue
        finally:
            running.stop()
        return
    pytest.fail("`course start` found its port taken each time", pytrace=False)


class PortTakenMeanwhile(Exception):
    pass


class SiteStarting(Running):
    def said_url(self) -> str:
        deadline = time.monotonic() + 120
        while not (said := URL_SAID.search(self.output.read_text())):
            if self.process.poll() == 2 and "is taken" in self.tail():
                raise PortTakenMeanwhile
            assert time.monotonic() < deadline and self.process.poll() is None, self.tail()
            time.sleep(0.1)
        return said.group(1)


def start_the_site(copy: Path, extra: list[str], log: Path) -> SiteStarting:
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "course", "start", *extra], cwd=copy,
            env={**course_env(copy), **NO_PROXY}, stdin=subprocess.DEVNULL, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=True)
    return SiteStarting(" ".join(["course start", *extra]), process, log)


def brief_steps(lab: Lab, copy: Path) -> Iterator[tuple[Path, str]]:
    """Each command of the brief's "Run it" with the folder it runs in (a `cd` moves it)."""
    recipe = brief_of(lab).split("### Run it", 1)[1].split("\n### ", 1)[0]
    folder = copy
    for command in commands_of(recipe):
        if command.startswith("cd "):
            folder = copy / command.split(maxsplit=1)[1]
            continue
        yield folder, command


def is_server(lab: Lab, command: str) -> str | None:
    """Which of the lab's planned services the command starts, if any."""
    if command == lab.run:
        return "service"
    return next((name for name in lab.ports if name.replace("-", "_") in command), None)


def on_ports_here(command: str, moved: dict[int, int]) -> str:
    """The command with each planned port that is taken on this machine moved the brief's way
    (`--port`, an address), the sandbox's delay cut short (`--delay`, its option)."""
    for planned, used in moved.items():
        if planned != used:
            command = command.replace(f":{planned}", f":{used}").replace(
                f"--port {planned}", f"--port {used}")
    return re.sub(r"--delay \S+", "--delay 0.1", command)


# curl's options that take a value, and the method those that send a body imply.
CURL_VALUED = {"-X", "--request", "-H", "--header", "-o", "--output", "-u", "--user", "-w",
               "--write-out", "-m", "--max-time", "-F", "--form", "-T", "--upload-file"}
CURL_BODY = {"-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--json"}


def curl_request(command: str) -> tuple[str, str, bool]:
    """(method, path, piped body) of a curl line."""
    piped, _, curl = command.rpartition("|")
    words = shlex.split(curl.replace("\n", " "))
    method, implied, target, skip = "", "", "", False
    for word, following in zip(words, [*words[1:], ""], strict=True):
        if skip:
            skip = False
        elif word in ("-X", "--request"):
            method, skip = following, True
        elif word in CURL_BODY or word in ("-F", "--form"):
            implied, skip = "POST", True
        elif word in ("-T", "--upload-file"):
            implied, skip = "PUT", True
        elif word in CURL_VALUED:
            skip = True
        elif not word.startswith("-") and word != "curl":
            target = word
    path = "/" + target.split("/", 1)[1] if "/" in target else "/"
    return method or implied or "GET", path, bool(piped)


@pytest.fixture
def openapi(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(CHECKS_DIR))
    from harness import openapi

    return openapi


# Each lab's servers start, and each of its brief's commands runs, one after another: its own
# share of pytest-timeout's limit (two minutes for chapter 06 on a busy 2-core machine).
SECONDS_PER_LAB = 45


@pytest.mark.slow
@pytest.mark.timeout(60 + SECONDS_PER_LAB * len(LABS))
def test_the_site_every_lab_and_its_stand_ins_run_at_once(course_site: Site, openapi: ModuleType,
                                                           tmp_path: Path) -> None:
    """1. `course start` serves the site (the fixture) 2. every brief's servers start with its
    own commands, on their planned ports (moved the brief's way only where this machine holds
    one) 3. the site, every lab and every stand-in answer 4. every other command of every brief
    runs against them: each curl line reaches an operation of the lab, each body arrives."""
    require_program("bash", "apt-get install bash")
    require_program("curl", "apt-get install curl")
    copy = course_site.copy
    moved = {port: port if port_is_free(port) else ports.free_port()
             for lab in LABS for port in plan_of(lab).values()}
    envs = {}
    for lab in LABS:  # each lab finds its own stand-ins, moved or not
        envs[lab.id] = env = lab_env()
        for name, setting in STAND_IN_SETTINGS.items():
            if name in lab.ports and moved[lab.ports[name]] != lab.ports[name]:
                env[setting] = f"http://{ports.HOST}:{moved[lab.ports[name]]}"
    servers: list[tuple[Running, int]] = []
    workers: list[Running] = []
    try:
        for lab in LABS:
            env = envs[lab.id]
            for folder, command in brief_steps(lab, copy):
                if command.startswith("cp "):  # the brief's setup (a .env), before its servers
                    subprocess.run(["bash", "-c", command], cwd=folder, env=env, check=True)
                    continue
                if UNTIL_STOPPED.match(command):
                    workers.append(start(command, folder, env, tmp_path / f"{lab.id}-worker.log"))
                    continue
                name = is_server(lab, command)
                if name is None:
                    continue
                port = plan_of(lab)[name]
                here = on_ports_here(command, moved)
                if moved[port] != port and "--port" not in here:
                    here += f" --port {moved[port]}"
                servers.append((start(here, folder, env, tmp_path / f"{lab.id}-{name}.log"),
                                moved[port]))
            assert {is_server(lab, c) for _, c in brief_steps(lab, copy)} >= set(plan_of(lab)), (
                f"{lab.slug}/README.md does not start each of {sorted(plan_of(lab))}")
        for server, port in servers:
            server.listening(port)
        for worker in workers:  # still at work once its lab serves
            assert worker.process.poll() is None, f"`{worker.command}` ended: {worker.tail()}"

        status, page = get(course_site.url + "/")
        assert status == 200 and b"FastAPI Boundaries" in page
        status, listed = get(course_site.url + "/api/labs")
        assert {lab["id"]: lab["url"] for lab in json.loads(listed)} == {
            lab.id: lab.service_url for lab in LABS}

        for lab in LABS:
            base = f"http://{ports.HOST}:{moved[lab.service_port]}"
            status, document = get(base + "/openapi.json")
            assert status == 200, f"lab {lab.id}: GET /openapi.json answered {status}"
            spec = json.loads(document)
            if "insurer-sandbox" in lab.ports:  # the lab finds its sandbox where it listens
                path, sign = INSURER_PROBES[lab.slug]
                status, body = get(base + path)
                assert status == 200 and sign(json.loads(body)), f"lab {lab.id}: {body[:300]!r}"
            for folder, command in brief_steps(lab, copy):
                if is_server(lab, command) is None and not UNTIL_STOPPED.match(command):
                    run_a_step(lab, on_ports_here(command, moved), folder, envs[lab.id], spec,
                               openapi)
        for worker in workers:
            assert worker.process.poll() is None, f"`{worker.command}` ended: {worker.tail()}"
    finally:
        for server in [*workers, *(server for server, _ in servers)]:
            server.stop()


# What shows that a lab's starter found its insurer sandbox: a path, and a test of its answer.
# Lab 06's starter reads no catalogue (its bug) but serves, which it does only once started.
INSURER_PROBES = {
    "01-asgi-uvicorn": ("/api/patients/1/eligibility", lambda body: "insurer_plan" in body),
    "06-lifespan-testing": ("/api/v1/plans", lambda body: isinstance(body, list)),
    "07-background-work": ("/api/v1/plans", lambda body: bool(body) and isinstance(body, list)),
}


def run_a_step(lab: Lab, command: str, folder: Path, env: dict[str, str], spec: dict,
               openapi: ModuleType) -> None:
    typed = '{"patient_id": 1}\n' if "websockets" in command else None
    done = subprocess.run(["bash", "-c", command], cwd=folder, env=env, input=typed,
                          capture_output=True, text=True, timeout=60, check=False)
    said = done.stdout + done.stderr
    where = f"{lab.slug}/README.md: `{command}`"
    assert done.returncode != 127 and "can't open file" not in said, f"{where}: {said[-500:]}"
    if "websockets" in command:  # the handshake reached the lab (the starter refuses it)
        assert re.search(r"Connected to ws://|rejected WebSocket connection: HTTP", said), (
            f"{where}: {said[-500:]}")
    elif "curl " in command:
        assert done.returncode == 0, f"{where} got no answer: {said[-500:]}"
        method, path, piped = curl_request(command)
        assert openapi.operation_for(spec, method, path), f"{where}: no operation {method} {path}"
        arrived = '"id"' in done.stdout or '"access_token"' in done.stdout  # a record, or tokens
        assert not piped or arrived, f"{where}: the body did not arrive: {said[-500:]}"


@pytest.mark.slow
def test_course_start_on_a_taken_port_says_so_and_exits_2(course_site: Site) -> None:
    port = course_site.url.rsplit(":", 1)[1]
    result = run_course(course_site.copy, "start", "--port", port, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == "", "something was printed (or built) before the port was tried"
    assert result.stderr.count("\n") == 1 and "http" not in result.stderr, result.stderr
    assert f"port {port} on 127.0.0.1 is taken" in result.stderr


FAILING_CHECKS = '''
def test_health_answers_while_insurer_is_slow():
    assert False, "GET /health waited for the insurer"
'''


@contextlib.contextmanager
def a_failing_check_of_lab_01(copy: Path) -> Iterator[None]:
    """The copy's lab 01 with one check, failing at once: a `read:` link without a real run."""
    module = copy / "tests" / "checks" / "test_01_asgi_uvicorn.py"
    checks = module.read_text()
    module.write_text(FAILING_CHECKS)
    try:
        yield
    finally:
        module.write_text(checks)


@pytest.mark.slow
def test_read_links_in_another_terminal_use_the_site_s_real_port(
        course_site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    with a_failing_check_of_lab_01(course_site.copy):
        result = run_course(course_site.copy, "check", "01")
        monkeypatch.setenv("COURSE_SITE_URL", "http://192.0.2.7:8800")
        told = run_course(course_site.copy, "check", "01")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"read: {course_site.url}/01-asgi-uvicorn/#blocking-in-async" in result.stdout, (
        result.stdout)
    assert "read: http://192.0.2.7:8800/01-asgi-uvicorn/#blocking-in-async" in told.stdout


@pytest.fixture(scope="module")
def served(course_site: Site) -> str:
    return course_site.url


@pytest.mark.browser
@pytest.mark.slow
def test_the_status_panel_uses_the_site_s_origin_and_the_lab_s_port(browser, course_site: Site,  # noqa: F811
                                                                   ) -> None:
    lab = LABS[0]
    with a_failing_check_of_lab_01(course_site.copy):
        assert run_course(course_site.copy, "check", lab.id).returncode == 1
    visit = PageVisit(browser, course_site.url)
    try:
        visit.open(f"/{lab.slug}/")
        panel = visit.page.locator(f".lab-status[data-lab='{lab.id}']")
        panel.wait_for(state="visible", timeout=10_000)
        links = panel.locator("a").evaluate_all("links => links.map(link => link.href)")
        assert f"{course_site.url}/{lab.slug}/#blocking-in-async" in links, links
        assert f"{lab.service_url}/docs" in links, links
        assert lab.run in panel.inner_text()
        assert not visit.errors, visit.errors[:3]
    finally:
        visit.close()
