"""The document is the contract: schemathesis (seeded, bounded, in a process of the lab's started
at the beginning of the run) finds no 5xx but the notifier's documented 502, and no answer whose
status, content type, headers or body the document does not declare."""

from __future__ import annotations

import json
import subprocess

import pytest

from .clinic import failed
from .conftest import Started
from .fuzzing import SEED

FUZZ_TIMEOUT = 50


@pytest.mark.timeout(FUZZ_TIMEOUT + 10)
def test_answers_hold_to_the_openapi_document(started: Started) -> None:
    job = started.fuzzer
    if job is None or started.fuzz_report is None:
        failed("the fuzzer was not started")
    try:
        _, errors = job.communicate(timeout=FUZZ_TIMEOUT)
    except subprocess.TimeoutExpired:
        job.kill()
        failed(f"the fuzzer did not finish within {FUZZ_TIMEOUT} s: the API answers too slowly, "
               "or hangs on some request")
    if job.returncode != 0 or not started.fuzz_report.is_file():
        said = [line for line in (errors or "").splitlines() if line.strip()]
        failed(f"the fuzzer stopped (exit {job.returncode}) before it was done: "
               f"{' | '.join(said[-3:])[:400]}")
    report = json.loads(started.fuzz_report.read_text())
    problems = report.get("problems", {})
    if problems:
        listed = "; ".join(f"{where} ({detail[:90]})" if detail else where
                           for where, detail in sorted(problems.items())[:4])
        more = f" and {len(problems) - 4} more" if len(problems) > 4 else ""
        failed(f"schemathesis (seed {SEED}, {report.get('cases')} requests) found "
               f"{len(problems)} problem(s): {listed}{more}; no request was to answer a 5xx "
               "(but the notifier's 502), nor anything its document does not declare")
