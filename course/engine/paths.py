"""Where things live in a checkout. Everything else derives its paths from here."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LABS_DIR = REPO_ROOT / "labs"
SOLUTIONS_DIR = REPO_ROOT / "solutions"
LESSONS_DIR = REPO_ROOT / "lessons"
CHECKS_DIR = REPO_ROOT / "tests" / "checks"
VARIANTS_DIR = REPO_ROOT / "tests" / "course" / "variants"
MUTANTS_DIR = REPO_ROOT / "tests" / "course" / "mutants"
VARIANT_RECORDS_DIR = REPO_ROOT / "tests" / "course" / "variant-records"
STATE_DIR = REPO_ROOT / ".course"
SITE_DIR = REPO_ROOT / "site"
ZENSICAL_SITE_DIR = REPO_ROOT / "site-zensical"
CONCEPTS_FILE = Path(__file__).resolve().parent / "concepts.toml"
# Made before either site builder runs (course.website.site_build generate), never committed.
GENERATED_PAGES = (LESSONS_DIR / "labs.md", LESSONS_DIR / "coverage.md")
PLAYGROUND_RENDERS_DIR = REPO_ROOT / "build" / "playgrounds"
# The Instructors page's schedule and chapter notes, and each chapter's instructor notes.
INSTRUCTOR_RENDERS_DIR = REPO_ROOT / "build" / "instructors"
