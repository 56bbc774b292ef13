"""Checks for lab 07 · background work and offloading. Work that must not be lost leaves the
request, and the checks kill processes to prove it.

What they prove, in the clinic's terms:
- a booking's confirmation goes out after the answer: one the notifier refuses is logged with
  its traceback (and no task is left to the garbage collector), and one in flight when uvicorn
  is stopped with SIGTERM is still delivered;
- reminders are queued in the database and sent by a worker process: with the API and the
  worker killed (SIGKILL) mid-job and started again, every patient gets exactly one reminder;
  one the notifier always refuses ends failed after CLINIC_JOB_MAX_ATTEMPTS attempts, each
  retry waiting at least twice as long as the one before; two workers never send one job twice;
- a silent partner laboratory gets a 504 within the configured timeout, and a patient who hangs
  up closes the clinic's call to it;
- a payment retried with its Idempotency-Key, in sequence or eight at once, is charged once and
  answered the same; the key with another body is refused (422), no key is 400;
- what chapters 05 and 06 left working still works.

The lab's app runs in this process on a SQLite file of this run, its first admin made by the
lab's own job, beside stand-ins for the notifier, the insurer, the laboratory and the payment
processor (partners.py); most checks run a real uvicorn on the same file, and the reminders'
checks the lab's own worker processes (worker.py).
"""
