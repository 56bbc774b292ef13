"""Checks for lab 06 · lifespan and testing. The service's resources, and the learner's tests.

What they prove, in the clinic's terms:
- the insurer's plan catalogue is read once, when the service starts, and coverage answers
  from it; an insurer that cannot list its plans at startup stops a real uvicorn with a
  non-zero exit, before it serves anything;
- requests share the service's insurer client: a dozen coverage requests open one or two
  connections to the insurer, not a dozen;
- a real uvicorn stopped with SIGTERM has closed every connection to the insurer and the
  notifier and every handle on its database by the time its lifespan has finished;
- the lab's own tests pass against the lab, again, in random orders and in two parallel
  workers, write nothing outside their temporary folders, and fail against each of a set of
  mistakes planted in a copy of the lab (mistakes.toml): their mutation score is the verdict;
- what chapter 05 left working still works.

The lab's app runs in this process (the lab's own when a class is graded), with its lifespan, on
a SQLite file of this run, its first admin made by the lab's own job, beside stand-ins for the
notifier and the insurer; the startup and shutdown checks run real uvicorns.
"""
