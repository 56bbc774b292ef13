"""FastAPI Boundaries: the course's own tooling, arranged by who uses each part.

- `course.engine`: what every part shares: where things live, the lab registry (lab.toml), the
  check runner and its warm interpreters, the learner's saved progress, the port plan, the
  lab's records (concepts, variants, mutation records) and the command line's common ground.
- `course.learner`: the learner's loop: check, hint, diff, watch, reset, catch-up, restore, and
  the local site's server with its live progress.
- `course.instructor`: the instructor's kit: grading a room, the gradebook, the handout and its
  wheelhouse, the schedule and the instructor notes.
- `course.website`: building the site: generated pages, playgrounds, the course kernel (not
  `course/site/`: that name is the built site's, git-ignored).
- `course.proof`: the maintainer's proof: integrity, mutants, stress, bench.
- `course.cli` assembles the parts' commands into `course`; `course.entry` starts it.

Imports point from the commands toward the engine, never back: the engine imports only the
engine; the site renders the instructor's pages, the learner's `course start` builds the site,
the proof measures the instructor's grading; tests/course/test_layout.py holds them to it.
"""
