"""Checks for lab 05 · security and auth. They attack the lab the way an attacker would.

What they prove, in the clinic's terms:
- forged tokens (no signature, `alg: none`, another algorithm, a guessed or random key, an
  edited payload, expired, not yet valid, another issuer or audience, no expiry, a refresh
  token, not a JWT) sign nobody in, on a real uvicorn;
- every refused token, and a valid token of a closed record or a deactivated account, answers
  the same 401 with `WWW-Authenticate: Bearer`; a signed-in caller without the right answers 403,
  on every route of the staff side, the admins' and the patients' (from /openapi.json);
- no token the clinic hands out holds a patient's or a clinician's personal data;
- a refresh token works once; reusing a spent one ends its sign-in, and so does signing out,
  also as seen by a second server process on the same database;
- as one patient, every operation that takes an id (path, query, body) reaches no other
  patient's data, and another patient's records answer 404 like missing ones;
- routes a teammate adds, on any path, keep the rule their signature declares;
- stored passwords verify with pwdlib as salted argon2id of at least OWASP's cost, and an
  unknown email costs about as long as a wrong password;
- only the configured portal origin passes a CORS preflight with credentials;
- what chapter 04 left working still works.

The lab's app runs in this process (the lab's own when a class is graded), with its lifespan, on
a SQLite file of this run, its first admin made by the lab's own job, and a notifier stand-in;
the forgeries and the second process are a real uvicorn, started first, beside the rest.
"""
