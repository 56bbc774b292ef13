# Two commands for everyone: `make start` (learners) and `make test` (the course's own tests).
# Both create .venv and install the pinned dependencies on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: start test check-labs bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# compat: a plain path entry; the default editable finder costs every interpreter ~20 ms
	$(BIN)/python -m pip install --quiet -e ".[dev]" --config-settings editable_mode=compat
	touch $(STAMP)

start: $(STAMP)
	$(BIN)/course start

# labs/ is the learner's working copy: its committed starters are linted by the test suite.
test: $(STAMP)
	$(BIN)/ruff check --exclude labs .
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m course.bench $(BENCH)   # make bench BENCH="--against HEAD~1": before and after

lint: $(STAMP)
	$(BIN)/ruff check --exclude labs .

clean:
	rm -rf site
