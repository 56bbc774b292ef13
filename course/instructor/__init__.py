"""The instructor's kit: what an instructor runs a workshop with.

Commands: `course grade` and `course handout` (`commands`). Grading a room: the grading engine
(`grade`) with its sandbox (`grading_sandbox`), the flags a copy earns (`copy_flags`), what a
copy should hold (`expected_copy`), and the gradebook written from it (`gradebook/`). The
learner's bundle: the handout's tree and site (`handout`, `handout_pages`), writing it
(`handout_build`), its wheelhouse (`wheelhouse`, `wheel_targets`). The workshop's plan: the
schedule (`schedule`, `schedule_page`) and each chapter's instructor notes (`instructor_notes`,
`notes_page`), rendered for the Instructors page.

Used by instructors, through course/cli.py; by the site (the Instructors page) and by the proof
(`make bench` grades a room). Imports only the engine.
"""
