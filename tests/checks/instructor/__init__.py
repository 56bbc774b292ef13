"""Instructor-only checks: `course grade` and `course verify` run them, the learner's `course check`
and `watch` never do, and a learner's handout leaves this folder out.

`instructor/test_NN_slug.py` holds lab NN's. Each check is mapped in the lab's lab.toml, under a
bug or a promise like any other, and marked `[checks.<id>] instructor = true` there. It catches
what a learner-side check catches, with data made when the room is graded: a fix written to the
learner-side module's own data passes there and fails here.
"""
