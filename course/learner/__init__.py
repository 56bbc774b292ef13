"""The learner's loop: the commands a learner runs while taking the course, and what they need.

Commands: `course list`, `check`, `hint`, `diff` (`check_commands`), `watch` and `start`
(`loop_commands`), `reset`, `catch-up`, `restore` (`replace_commands`). Their parts: re-checking
on every save (`watch`), replacing a lab safely (`replacing`, `backups`, `catchup`), the diff
against the solution (`compare`), the notice that the course's own files changed (`tamper`), and
the local site's server with its live progress feed (`server`, `progress_feed`).

Used by learners, through course/cli.py; imports the engine, and course.website (`course start`
builds it).
"""
