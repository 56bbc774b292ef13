"""Checks for lab 03 · dependency injection and settings.

What they prove, in the clinic's terms:
- a request that fails (a notification that cannot be sent) leaves nothing of itself in the
  database, for every admin operation; one that succeeds is committed, in one transaction;
- a request works in one database session: the notice of a changed email goes to the new
  address, and SQLAlchemy's own events count one session per request on every route;
- every admin route refuses callers without a token, with one nobody issued, clinicians (403)
  and admins deactivated since their token was issued; every staff route too (401);
- a required setting that is missing or invalid stops `uvicorn app.main:app` at startup,
  naming it; production never runs on a secret it was not given, and signs with its own;
- `app.dependency_overrides[get_settings]` reaches everything a request does;
- every answer with an appointment shows it as stored (`updated_at`, `version`).

The lab runs in two ways for the whole package, started once (conftest.py):
- real uvicorn processes, forked first, for the checks about startup and production;
- the app in this process (the lab's own process when a class is graded), behind a probe
  (probe.py) that tallies what SQLAlchemy did during each request and swaps dependencies.
Both use a SQLite file of this run, a notifier stand-in that records every message, and staff
accounts made for this run (the first admin by the lab's own `python -m app.cli create-admin`).
"""
