"""The engine every part shares, and which imports nothing but itself.

Where things live (`paths`); the lab registry, every lab.toml validated (`registry`), the
committed course read from git (`starters`) and the port plan (`ports`); running a lab's checks:
the pytest command (`check_command`) and its process (`launch`), the run with its timeout and
verdicts (`runner`), warm pre-imported interpreters that fork per run (`warm`), every process a
run left found and stopped (`leftovers`), joining a bubblewrap sandbox (`namespaces`), and the
pytest plugin that makes plain pytest grade the same way (`check_settings`); the learner's
progress (`state`, `locks`); the lab's records others read: the concept catalogue (`concepts`),
the declared variants (`variants`), the mutation record (`mutation_record`), the strength the Labs
page shows from them (`strength`), what makes a copy a handout (`handout_marker`) and the link
from a failing check to its lesson section (`links`); and the command line's common ground
(`console`).

Used by every other part: the learner's loop, the instructor's kit, the site, the proof, and
the checks' harness (tests/checks/harness reads `ports` and `namespaces`).
"""
