# Two commands for everyone: `make start` (learners) and `make test` (the course's own tests).
# Both create .venv on first use: `start` installs the learner's tools, `test` adds the dev extra.
# Written for GNU make 3.81 too (macOS's /usr/bin/make).

VENV := .venv
BIN  := $(VENV)/bin
# What made .venv: "VERSION PATH COMMAND" of its Python.
VENV_PYTHON := $(VENV)/.python
# The Python that made .venv stays the default: `make start PYTHON=python3.12` once is enough.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(or $(word 3,$(shell cat $(VENV_PYTHON) 2>/dev/null)),python3)
endif
# uv installs the same pinned packages as pip, downloading in parallel: measured from empty caches,
# a first install took ~15 s with it and ~110 s with pip alone. `INSTALLER=pip` uses pip only
# (it follows pip.conf, e.g. a workshop's package mirror).
INSTALLER ?= uv
UV_VERSION := 0.13.8
# A handout's wheelhouse (`course handout --wheels`): when wheels/ exists, every install takes its
# packages from there alone, with no network. `make start WHEELS=` uses the package index instead.
WHEELS ?= $(wildcard wheels)
FROM_WHEELS := $(if $(WHEELS),--no-index --find-links $(WHEELS))
ifeq ($(INSTALLER),pip)
INSTALL := $(BIN)/python -m pip --disable-pip-version-check install --quiet --no-compile $(FROM_WHEELS)
else
INSTALL := $(BIN)/uv pip install --quiet --python $(BIN)/python $(FROM_WHEELS)
endif

.PHONY: start site site-zensical test bench lint clean clean-venv FORCE

# What $(PYTHON) is ("VERSION PATH", empty when it does not run) and whether it is 3.11 or newer.
PYTHON_FOUND = $(shell $(PYTHON) -c 'import os, sys; print("%d.%d.%d" % sys.version_info[:3], os.path.realpath(sys.executable))' 2>/dev/null)
PYTHON_RECENT = $(shell case "$(1)" in (3.1[1-9].*|3.[2-9][0-9].*|[4-9].*) echo yes;; esac)
NEED_PYTHON := the course needs Python 3.11 or newer; point make at one: make start PYTHON=python3.12

# Refuses a Python older than 3.11 in one line; rebuilds .venv when another Python made it.
# The file changes only then, so the installs below are redone only then.
$(VENV_PYTHON): FORCE
	$(eval found := $(PYTHON_FOUND))
	$(if $(found),,$(error '$(PYTHON)' does not run here; $(NEED_PYTHON)))
	$(if $(call PYTHON_RECENT,$(found)),,$(error '$(PYTHON)' is Python $(word 1,$(found)) at $(word 2,$(found)); $(NEED_PYTHON)))
	@made=`cut -d' ' -f1-2 $@ 2>/dev/null`; \
	if [ "$$made" != "$(found)" ] || [ ! -x $(BIN)/python ]; then \
	  if [ -d $(VENV) ]; then echo "make: $(VENV) was made by $${made:-another Python}; rebuilding it with '$(PYTHON)' ($(found))"; fi; \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && echo "$(found) $(PYTHON)" > $@; \
	fi

# One stamp per install; an extra holds the learner's tools too, so it stamps both. `make test`
# after `make start` adds the dev extra to the same .venv.
$(VENV)/.installed: pyproject.toml $(VENV_PYTHON) $(VENV)/.installer-$(INSTALLER)
	$(INSTALL) -e .
	touch $@

$(VENV)/.installed-%: pyproject.toml $(VENV_PYTHON) $(VENV)/.installer-$(INSTALLER)
	$(INSTALL) -e ".[$*]"
	touch $@ $(VENV)/.installed

$(VENV)/.installer-uv: $(VENV_PYTHON)
	$(BIN)/python -m pip --disable-pip-version-check install --quiet $(FROM_WHEELS) uv==$(UV_VERSION)
	touch $@

$(VENV)/.installer-pip: $(VENV_PYTHON)
	touch $@

start: $(VENV)/.installed
	$(BIN)/course start

# The site alone: Material for MkDocs into site/, or Zensical into site-zensical/.
site: $(VENV)/.installed
	$(BIN)/python -m course.website.site_build mkdocs

site-zensical: $(VENV)/.installed-zensical
	$(BIN)/python -m course.website.site_build zensical

# labs/ is the learner's working copy: its committed starters are linted by the test suite.
# The course's tests mostly wait on servers and subprocesses: three pytest-xdist workers, each
# given whole test files, keep two cores busy (on 2 cores: 843 s in one process, 460 s in three).
# `make test TEST_WORKERS=0` runs them in one process.
TEST_WORKERS ?= 3
ifneq ($(wildcard .course-handout.toml),)
test:
	@echo "make test: this copy is a learner's handout, without the course's own tests; course check NN checks a lab"
	@exit 2
else
test: $(VENV)/.installed-dev
	$(BIN)/ruff check --exclude labs .
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile
endif

bench: $(VENV)/.installed-dev
	$(BIN)/python -m course.proof.bench $(BENCH)   # make bench BENCH="--against HEAD~1": before and after

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check --exclude labs .

# Build output only: the labs, your progress (.course/) and .venv stay.
CLEAN := site site-zensical build .cache lessons/labs.md lessons/coverage.md
clean:
	@echo "make clean: removing the built sites and generated pages: $(CLEAN)"
	@echo "  kept: labs/, your progress in .course/, and $(VENV) (make clean-venv removes it)"
	@rm -rf $(CLEAN)

clean-venv:
	@echo "make clean-venv: removing $(VENV); the next make start rebuilds it"
	@rm -rf $(VENV)

FORCE:
