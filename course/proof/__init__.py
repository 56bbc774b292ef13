"""The maintainer's proof that the labs and their checks hold: `course verify` (`commands`): the
integrity proof (`integrity`) and mutation testing (`mutants`); `python -m course.proof.stress`
(verdicts stable with the machine busy), `make bench` (`bench`: the budgets of DESIGN.md), and
throwaway copies of the course for tests and benchmarks (`sandbox`).

Used by maintainers and the course's own tests. Imports the engine, and the instructor's kit
(`make bench` measures `course grade`).
"""
