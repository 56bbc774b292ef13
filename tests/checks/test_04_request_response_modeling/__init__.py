"""Checks for lab 04 · request and response modeling.

What they prove, in the clinic's terms:
- no answer of any operation (found in the lab's own /openapi.json) shows a password or a
  password hash, nor, outside the staff side, the clinicians' internal notes: single records,
  lists, nested records and error answers, status, headers and body; the document says the same;
- the staff side answers the patients' records with their notes, as stored;
- every PATCH changes exactly the fields it sends (each alone, in pairs, none, a phone sent as
  null), and refuses null for every other field with a 422 naming it, changing nothing;
- a bad email or phone, and times that make no sense together, are 422s naming them, on the
  way in and on every change; nothing of them is stored;
- every create answers 201 with a Location that a GET answers; closing a record answers 204
  with no body, and the record and its appointments are gone;
- a taken slot is a 409, a closed clinic a 400 or 409, never 422, and shape errors stay 422;
- schemathesis, seeded and bounded, finds no 5xx and no answer its document does not declare;
- what chapter 03 left working still works.

The lab's app runs in this process (the lab's own when a class is graded), with its lifespan,
on a SQLite file of this run, its first admin made by the lab's own job, and a notifier
stand-in; the fuzzer runs the app in a process of its own, started first, beside the rest.
"""
