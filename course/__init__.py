"""FastAPI Boundaries: the course's own tooling (lab registry, check runner, CLI, site generation)."""
