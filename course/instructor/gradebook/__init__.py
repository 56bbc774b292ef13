"""The instructor's gradebook: `course grade ROSTER... --out DIR` grades a room of learner copies
with the grading engine (course/instructor/grade.py) and writes what an instructor hands on:

- `roster`, `archives`: who is graded; folders, zips and git bundles, unpacked safely;
- `selection`: which labs (`--labs 01-05`);
- `room`: every lab of every copy through the engine, with progress as it goes;
- `scores`: the engine's verdicts as points, by lab.toml's `[checks.<id>]` table;
- `tables`: gradebook.csv (one row per learner) and checks.csv (one per learner and check);
- `prairielearn`: results/LEARNER.json in PrairieLearn's external grader format;
- `report`: report.html, one offline page for the room;
- `command`: the command line around them.
"""
