"""Runs every example of chapter 05 (lessons/05-security-auth/examples)."""

from __future__ import annotations

import importlib.util
import inspect
import sys
import time
from datetime import date
from pathlib import Path
from types import ModuleType

import jwt
import pytest
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "lessons" / "05-security-auth" / "examples"
OWASP_ARGON2 = "$argon2id$v=19$m=19456,t=2,p=1$"


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_05_{name}", EXAMPLES / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refusal(answer) -> tuple[int, str, str | None]:
    """What a caller can tell about a refused request."""
    return answer.status_code, answer.text, answer.headers.get("www-authenticate")


# jwt-flow

def test_sign_in_then_the_bearer_token_brings_the_patient_to_the_route() -> None:
    example = load_example("flow")
    client = TestClient(example.app)
    answer = client.post("/auth/token", json={"email": "ada@example.org",
                                              "password": "portal-pw-1"})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["token_type"], body["expires_in"]) == ("bearer", 900)
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert set(claims) == {"sub", "role", "iat", "exp", "iss", "aud", "jti"}
    assert (claims["sub"], claims["iss"], claims["aud"]) == ("1", "clinic", "clinic-api")
    assert claims["exp"] - claims["iat"] == 900
    me = client.get("/patients/me", headers=bearer(body["access_token"]))
    assert me.json() == {"id": 1, "email": "ada@example.org"}
    schemes = example.app.openapi()["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {"type": "http", "scheme": "bearer"}


def test_a_failed_sign_in_and_a_missing_token_answer_401_bearer() -> None:
    example = load_example("flow")
    client = TestClient(example.app)
    wrong = client.post("/auth/token", json={"email": "ada@example.org", "password": "no"})
    unknown = client.post("/auth/token", json={"email": "eve@example.org",
                                               "password": "portal-pw-1"})
    missing = client.get("/patients/me")
    assert refusal(wrong) == refusal(unknown) == refusal(missing) == (
        401, '{"detail":"Not authenticated"}', "Bearer")


# jwt-verify

def forged_tokens(example: ModuleType) -> dict[str, tuple[str, type[Exception], str]]:
    """Each case of the lesson's table: the token, what PyJWT raises, and its message."""
    genuine = example.issue()
    claims = example.read_claims(genuine)
    now = int(time.time())
    not_allowed = "The specified alg value is not allowed"
    bad_signature = "Signature verification failed"
    return {
        "alg none": (example.forge({"alg": "none", "typ": "JWT"}, claims),
                     jwt.InvalidAlgorithmError, not_allowed),
        "edited payload": (example.with_payload(genuine, {**claims, "sub": "2"}),
                           jwt.InvalidSignatureError, bad_signature),
        "guessed key": (example.forge({"alg": "HS256", "typ": "JWT"}, claims, b"secret"),
                        jwt.InvalidSignatureError, bad_signature),
        "another algorithm": (example.forge({"alg": "HS512"}, claims, example.SIGNING_KEY),
                              jwt.InvalidAlgorithmError, not_allowed),
        "expired": (example.issue(exp=now - 60), jwt.ExpiredSignatureError,
                    "Signature has expired"),
        "not yet valid": (example.issue(nbf=now + 3600), jwt.ImmatureSignatureError,
                          "The token is not yet valid (nbf)"),
        "another audience": (example.issue(aud="billing"), jwt.InvalidAudienceError,
                             "Audience doesn't match"),
        "another issuer": (example.issue(iss="someone-else"), jwt.InvalidIssuerError,
                           "Invalid issuer"),
        "no exp": (example.issue(exp=None), jwt.MissingRequiredClaimError,
                   'Token is missing the "exp" claim'),
        "not a JWT": ("not-a-jwt", jwt.DecodeError, "Not enough segments"),
    }


def test_pyjwt_refuses_every_forged_or_stale_token() -> None:
    example = load_example("verify")
    for case, (token, refused, message) in forged_tokens(example).items():
        with pytest.raises(refused) as caught:
            example.read_claims(token)
        assert str(caught.value) == message, case
        assert issubclass(refused, jwt.PyJWTError), case
        if case != "not a JWT":
            assert example.read_claims_trusting(token)["sub"] in {"1", "2"}, case
    with pytest.raises(jwt.exceptions.InvalidSubjectError, match="Subject must be a string"):
        example.read_claims(example.issue(sub=12))


def test_a_genuine_token_is_read_with_a_little_leeway_for_clocks() -> None:
    example = load_example("verify")
    assert example.read_claims(example.issue())["sub"] == "1"
    now = int(time.time())
    for slightly_off in (example.issue(exp=now - 5), example.issue(nbf=now + 5),
                         example.issue(iat=now + 5)):
        assert example.read_claims(slightly_off)["sub"] == "1"
    with pytest.raises(jwt.ExpiredSignatureError):
        example.read_claims(example.issue(exp=int(time.time()) - 30))


def test_a_key_from_a_tutorial_signs_in_anyone_who_guesses_it() -> None:
    example = load_example("verify")
    claims = {"sub": "1", "role": "admin", "aud": "clinic-api"}
    forged = example.forge({"alg": "HS256", "typ": "JWT"}, claims, b"secret")
    with pytest.warns(jwt.InsecureKeyLengthWarning, match="The HMAC key is 6 bytes long, "
                      "which is below the minimum recommended length of 32 bytes for SHA256"):
        assert example.read_claims_tutorial_key(forged)["role"] == "admin"
    with pytest.raises(jwt.InvalidKeyError, match="below the minimum"):
        example.read_claims_long_keys_only(forged, example.TUTORIAL_KEY)
    genuine = example.issue()
    assert example.read_claims_long_keys_only(genuine, example.SIGNING_KEY)["sub"] == "1"


# jwt-no-pii

def test_anyone_reads_a_tokens_payload_without_the_key() -> None:
    example = load_example("no_pii")
    token = example.issue_with_profile(12, "Ben Adu", "ben@example.org", date(1990, 4, 2))
    payload = example.read_without_key(token)
    assert (payload["name"], payload["email"], payload["birthdate"]) == (
        "Ben Adu", "ben@example.org", "1990-04-02")
    assert payload == jwt.decode(token, options={"verify_signature": False})
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    lean = example.read_without_key(example.issue(12))
    assert set(lean) == {"sub", "role", "iat", "exp", "jti"}
    assert lean["sub"] == "12"


# refresh-rotation, refresh-revocation

def test_a_refresh_token_is_spent_by_its_use_and_its_reuse_ends_the_sign_in() -> None:
    example = load_example("refresh")
    client = TestClient(example.app)
    first = example.sign_in(1)
    second = client.post("/auth/refresh", json={"refresh_token": first.refresh_token})
    assert second.status_code == 200
    pair = second.json()
    assert pair["refresh_token"] != first.refresh_token
    assert client.get("/patients/me", headers=bearer(pair["access_token"])).json() == {
        "id": 1}
    replayed = client.post("/auth/refresh", json={"refresh_token": first.refresh_token})
    assert refusal(replayed)[0] == 401
    newest = client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refusal(newest) == refusal(replayed), "reuse revokes the whole family"


def test_another_sign_in_is_untouched_by_a_reuse() -> None:
    example = load_example("refresh")
    client = TestClient(example.app)
    stolen, other = example.sign_in(1), example.sign_in(1)
    client.post("/auth/refresh", json={"refresh_token": stolen.refresh_token})
    client.post("/auth/refresh", json={"refresh_token": stolen.refresh_token})
    answer = client.post("/auth/refresh", json={"refresh_token": other.refresh_token})
    assert answer.status_code == 200


def test_logout_revokes_the_refresh_token_and_the_access_token_lives_on() -> None:
    example = load_example("refresh")
    client = TestClient(example.app)
    pair = example.sign_in(1)
    logout = client.post("/auth/logout", json={"refresh_token": pair.refresh_token})
    assert (logout.status_code, logout.content) == (204, b"")
    after = client.post("/auth/refresh", json={"refresh_token": pair.refresh_token})
    assert refusal(after) == (401, '{"detail":"Not authenticated"}', "Bearer")
    still = client.get("/patients/me", headers=bearer(pair.access_token))
    assert still.status_code == 200, "an access token cannot be taken back"
    claims = jwt.decode(pair.access_token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == example.ACCESS_SECONDS == 300


def test_the_server_keeps_only_a_digest_and_refuses_an_expired_token(
        monkeypatch: pytest.MonkeyPatch) -> None:
    example = load_example("refresh")
    token = example.issue_refresh_token(1)
    assert token not in example.records
    assert example.digest(token) in example.records
    assert len(token) >= 43  # 32 random bytes
    later = time.time() + example.REFRESH_SECONDS + 1
    monkeypatch.setattr(example, "clock", lambda: later)
    with pytest.raises(example.RefreshRefused):
        example.rotate(token)
    with pytest.raises(example.RefreshRefused):
        example.rotate("a-token-nobody-issued")


# authn-authz-split, same-401, 401-vs-403

def refused_requests(example: ModuleType) -> dict[str, dict[str, str]]:
    other_key = jwt.encode({"sub": "1", "role": "admin", "iat": 0, "exp": 2**40},
                           b"k" * 32, algorithm="HS256")
    return {
        "no token": {},
        "another scheme": {"Authorization": "Basic YWRhOnB3"},
        "not a JWT": bearer("not-a-jwt"),
        "expired": bearer(example.issue(1, "admin", lifetime=-60)),
        "another key": bearer(other_key),
        "deleted account": bearer(example.issue(4, "admin")),
        "deactivated account": bearer(example.issue(3, "admin")),
    }


def test_every_refused_token_answers_the_same_401() -> None:
    example = load_example("pieces")
    client = TestClient(example.app)
    answers = {case: refusal(client.get("/staff/me", headers=headers))
               for case, headers in refused_requests(example).items()}
    assert set(answers.values()) == {(401, '{"detail":"Not authenticated"}', "Bearer")}
    leaky = {case: refusal(client.get("/leaky/staff/me", headers=headers))
             for case, headers in refused_requests(example).items()}
    assert leaky["expired"] == (401, '{"detail":"Token expired."}', None)
    assert leaky["deleted account"] == (404, '{"detail":"Account 4 does not exist."}', None)
    assert leaky["deactivated account"] == (
        403, '{"detail":"This account is deactivated."}', None)
    assert len(set(leaky.values())) >= 4, "the leaky principal tells the reasons apart"


def test_signed_in_but_not_allowed_is_403() -> None:
    example = load_example("pieces")
    client = TestClient(example.app)
    clinician = bearer(example.issue(2, "clinician"))
    forbidden = client.post("/admin/staff/2/deactivate", headers=clinician)
    assert refusal(forbidden) == (403, '{"detail":"Only admins may do this."}', None)
    admin = client.post("/admin/staff/2/deactivate", headers=bearer(example.issue(1, "admin")))
    assert admin.json() == {"deactivated": 2, "by": 1}
    leaky = client.post("/leaky/admin/staff/2/deactivate", headers=clinician)
    assert leaky.status_code == 401, "the leaky policy tells a signed-in clinician to sign in"


def test_each_piece_is_tested_without_the_others() -> None:
    example = load_example("pieces")
    token = example.issue(2, "clinician")
    read = example.read_claims(HTTPAuthorizationCredentials(scheme="Bearer",
                                                            credentials=token))
    assert read == example.Claims(account_id=2)
    assert example.read_claims(None) is None
    assert example.get_principal(read) == example.ACCOUNTS[2]
    example.app.dependency_overrides[example.get_principal] = lambda: example.Account(
        5, "clinician")
    client = TestClient(example.app)
    assert client.post("/admin/staff/2/deactivate").status_code == 403
    example.app.dependency_overrides[example.get_principal] = lambda: example.Account(
        6, "admin")
    assert client.post("/admin/staff/2/deactivate").json() == {"deactivated": 2, "by": 6}
    example.app.dependency_overrides.clear()


# idor, id-from-token, enumeration-404

ADA, BEN = bearer("token-of-ada"), bearer("token-of-ben")
BOOKING = {"starts_at": "2027-03-02T09:00:00", "reason": "a sore knee"}


def test_an_id_from_the_client_reaches_anyones_appointments() -> None:
    example = load_example("ownership")
    client = TestClient(example.app)
    assert client.get("/idor/appointments/2", headers=ADA).json()["reason"] == "test results"
    listed = client.get("/idor/appointments", params={"patient_id": 2}, headers=ADA)
    assert [a["patient_id"] for a in listed.json()] == [2]
    booked = client.post("/idor/appointments", json={**BOOKING, "patient_id": 2},
                         headers=ADA)
    assert (booked.status_code, booked.json()["patient_id"]) == (201, 2)


def test_the_patient_comes_from_the_token_only() -> None:
    example = load_example("ownership")
    client = TestClient(example.app)
    assert [a["id"] for a in client.get("/patients/me/appointments", headers=ADA).json()] == [1]
    assert [a["id"] for a in client.get("/patients/me/appointments", headers=BEN).json()] == [2]
    booked = client.post("/appointments", json=BOOKING, headers=ADA)
    assert (booked.status_code, booked.json()["patient_id"]) == (201, 1)
    naming = client.post("/appointments", json={**BOOKING, "patient_id": 2}, headers=ADA)
    assert (naming.status_code, naming.json()["detail"][0]["type"]) == (422, "extra_forbidden")
    assert [a.patient_id for a in example.APPOINTMENTS.values()] == [1, 2, 1]
    assert client.get("/appointments/1").status_code == 401


def test_another_patients_appointment_answers_as_a_missing_one() -> None:
    example = load_example("ownership")
    client = TestClient(example.app)
    telling = client.get("/leaky/appointments/2", headers=ADA)
    missing = client.get("/leaky/appointments/99", headers=ADA)
    assert (telling.status_code, missing.status_code) == (403, 404)
    others = client.get("/appointments/2", headers=ADA)
    nobodys = client.get("/appointments/99", headers=ADA)
    assert refusal(others) == refusal(nobodys) == (
        404, '{"detail":"No such appointment."}', None)
    assert client.get("/appointments/2", headers=BEN).json()["patient_id"] == 2


# auth-in-middleware

def test_a_middleware_with_a_list_drifts_both_ways() -> None:
    example = load_example("middleware")
    exact, prefixed = TestClient(example.exact), TestClient(example.prefixed)
    assert exact.get("/clinicians").status_code == 200
    assert exact.get("/clinicians/7").status_code == 401, "a public route went private"
    assert exact.get("/no-such-page").status_code == 401, "it runs before routing"
    notes = prefixed.get("/clinicians/7/notes")
    assert notes.status_code == 200 and "notes" in notes.json(), "a staff route went public"


def test_a_dependency_on_the_router_is_the_rule_for_every_route_it_gets() -> None:
    example = load_example("middleware")

    @example.staff.get("/staff/rota")
    async def rota() -> dict:
        return {"rota": "May"}

    @example.public.get("/{clinician_id}/hours")
    async def hours(clinician_id: int) -> dict:
        return {"hours": "9-17"}

    client = TestClient(example.create_app())
    assert client.get("/clinicians/7").status_code == 200
    assert client.get("/clinicians/7/hours").status_code == 200
    assert refusal(client.get("/clinicians/7/notes"))[0] == 401
    assert refusal(client.get("/staff/rota")) == (401, '{"detail":"Not authenticated"}',
                                                  "Bearer")
    assert client.get("/staff/rota", headers=bearer("token-of-kofi")).json() == {
        "rota": "May"}
    assert client.get("/no-such-page").status_code == 404
    assert TestClient(example.app).get("/clinicians/7/notes").status_code == 401
    paths = example.app.openapi()["paths"]
    assert paths["/clinicians/{clinician_id}/notes"]["get"]["security"] == [{"HTTPBearer": []}]
    assert "security" not in paths["/clinicians/{clinician_id}"]["get"]


# password-hashing

class CountingHasher:
    def __init__(self, hasher: PasswordHash) -> None:
        self.hasher, self.verified = hasher, 0

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, password: str, hash: str) -> bool:
        self.verified += 1
        return self.hasher.verify(password, hash)


def test_sha256_gives_the_same_password_the_same_hash_argon2_never() -> None:
    example = load_example("passwords")
    assert example.sha256_hash("portal-pw-1") == example.sha256_hash("portal-pw-1")
    first, second = (example.hasher.hash("portal-pw-1") for _ in range(2))
    assert first != second
    assert first.startswith(OWASP_ARGON2) and second.startswith(OWASP_ARGON2)
    assert example.hasher.verify("portal-pw-1", first)
    assert not example.hasher.verify("portal-pw-2", first)
    recommended = PasswordHash.recommended().hashers
    assert [type(hasher) for hasher in recommended] == [Argon2Hasher]
    defaults = inspect.signature(Argon2Hasher).parameters
    assert [defaults[name].default for name in ("memory_cost", "time_cost", "parallelism")] == [
        65536, 3, 4]


def test_an_unknown_email_costs_one_verification_like_a_wrong_password(
        monkeypatch: pytest.MonkeyPatch) -> None:
    example = load_example("passwords")
    example.register("ada@example.org", "portal-pw-1")
    counting = CountingHasher(example.hasher)
    monkeypatch.setattr(example, "hasher", counting)
    assert not example.password_matches_early_exit("eve@example.org", "guess")
    assert counting.verified == 0, "the early exit answers without any work"
    for email, password, expected in [("eve@example.org", "guess", False),
                                      ("ada@example.org", "guess", False),
                                      ("ada@example.org", "portal-pw-1", True)]:
        before = counting.verified
        assert example.password_matches(email, password) is expected
        assert counting.verified == before + 1, (email, password)
    assert example.DUMMY_HASH.startswith(OWASP_ARGON2)


def test_an_old_hash_is_upgraded_at_the_next_sign_in() -> None:
    example = load_example("passwords")
    cheap = PasswordHash((Argon2Hasher(memory_cost=8192, time_cost=1, parallelism=1),))
    example.PASSWORD_HASHES["ada@example.org"] = cheap.hash("portal-pw-1")
    assert not example.sign_in_and_upgrade("ada@example.org", "guess")
    assert example.PASSWORD_HASHES["ada@example.org"].startswith("$argon2id$v=19$m=8192,")
    assert not example.sign_in_and_upgrade("eve@example.org", "portal-pw-1")
    assert example.sign_in_and_upgrade("ada@example.org", "portal-pw-1")
    assert example.PASSWORD_HASHES["ada@example.org"].startswith(OWASP_ARGON2)


# rate-limit

class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_sliding_window_allows_so_many_hits_per_key() -> None:
    example = load_example("rate_limit")
    clock = FakeClock()
    window = example.SlidingWindow(limit=3, seconds=60, clock=clock)
    for now in (1000.0, 1010.0, 1020.0):
        clock.now = now
        assert window.retry_after("ada") is None
    clock.now = 1030.0
    assert window.retry_after("ada") == pytest.approx(30.0)
    assert window.retry_after("ben") is None, "each key has its own window"
    clock.now = 1060.0
    assert window.retry_after("ada") is None, "the oldest hit left the window"
    clock.now = 1061.0
    assert window.retry_after("ada") == pytest.approx(9.0)


def test_the_sign_in_answers_429_with_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    example = load_example("rate_limit")
    clock = FakeClock()
    example.limiter.clock = clock
    assert example.password_matches("ada@example.org", "portal-pw-1")
    monkeypatch.setattr(example, "password_matches",  # the argon2 check, minus its cost
                        lambda email, password: (email, password) == (
                            "ada@example.org", "portal-pw-1"))
    client = TestClient(example.app)
    attempt = {"email": "ada@example.org", "password": "guess"}
    for _ in range(5):
        assert client.post("/auth/token", json=attempt).status_code == 401
    clock.now += 15
    limited = client.post("/auth/token", json={**attempt, "password": "portal-pw-1"})
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "45")
    shouted = client.post("/auth/token", json={**attempt, "email": "ADA@example.org"})
    assert shouted.status_code == 429, "the key folds the email's case"
    other = client.post("/auth/token", json={**attempt, "email": "ben@example.org"})
    assert other.status_code == 401
    clock.now += 45
    signed_in = client.post("/auth/token", json={**attempt, "password": "portal-pw-1"})
    assert signed_in.status_code == 200


# cors-minimal

def preflight(origin: str, method: str = "GET") -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization"}


def test_a_wildcard_with_credentials_lets_every_origin_in() -> None:
    example = load_example("cors")
    answer = TestClient(example.wildcard).options(
        "/patients/me", headers=preflight("https://evil.example"))
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "https://evil.example"
    assert answer.headers["access-control-allow-credentials"] == "true"
    simple = TestClient(example.wildcard).get(
        "/patients/me", headers={"Origin": "https://evil.example"})
    assert simple.headers["access-control-allow-origin"] == "https://evil.example"


def test_only_the_portal_may_call_with_credentials() -> None:
    example = load_example("cors")
    client = TestClient(example.app)
    evil = client.options("/patients/me", headers=preflight("https://evil.example"))
    assert (evil.status_code, evil.text) == (400, "Disallowed CORS origin")
    assert "access-control-allow-origin" not in evil.headers
    portal = client.options("/patients/me", headers=preflight(example.PORTAL))
    assert portal.status_code == 200
    assert portal.headers["access-control-allow-origin"] == example.PORTAL
    assert portal.headers["access-control-allow-credentials"] == "true"
    assert "Authorization" in portal.headers["access-control-allow-headers"]
    assert portal.headers["access-control-max-age"] == "600"
    put = client.options("/patients/me", headers=preflight(example.PORTAL, "PUT"))
    assert (put.status_code, put.text) == (400, "Disallowed CORS method")
    read = client.get("/patients/me", headers={"Origin": "https://evil.example"})
    assert read.status_code == 200 and "access-control-allow-origin" not in read.headers
    read = client.get("/patients/me", headers={"Origin": example.PORTAL})
    assert read.headers["access-control-allow-origin"] == example.PORTAL
    assert "Origin" in read.headers["vary"]


# trusted-host-headers

def test_without_trusted_hosts_a_forged_host_gets_into_an_emailed_link() -> None:
    example = load_example("headers")
    client = TestClient(example.open_app, base_url="https://api.clinic.example")
    answer = client.post("/password-resets", headers={"Host": "evil.example"})
    assert answer.json()["emailed_link"].startswith("https://evil.example/reset/")


def test_trusted_hosts_refuse_a_forged_host_and_every_answer_has_the_headers() -> None:
    example = load_example("headers")
    with TestClient(example.app, base_url="https://api.clinic.example") as client:
        forged = client.post("/password-resets", headers={"Host": "evil.example"})
        assert (forged.status_code, forged.text) == (400, "Invalid host header")
        answer = client.post("/password-resets")
        missing = client.get("/no-such-page")
    assert answer.json()["emailed_link"].startswith("https://api.clinic.example/reset/")
    for response in (forged, answer, missing):
        for name, value in example.SECURITY_HEADERS.items():
            assert response.headers[name] == value, (response.status_code, name)


def test_a_route_keeps_its_own_value_of_a_security_header() -> None:
    from fastapi import Response

    example = load_example("headers")

    @example.app.get("/framed")
    async def framed() -> Response:
        return Response(headers={"X-Frame-Options": "SAMEORIGIN"})

    answer = TestClient(example.app, base_url="https://api.clinic.example").get("/framed")
    assert answer.headers["x-frame-options"] == "SAMEORIGIN"
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_wildcard_host_pattern_covers_subdomains_only() -> None:
    from fastapi import FastAPI
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    example = load_example("headers")
    app = example.routes(FastAPI())
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["*.clinic.example"])
    client = TestClient(app)
    for host, status in [("api.clinic.example", 200), ("portal.clinic.example", 200),
                         ("clinic.example.evil.example", 400), ("evil.example", 400)]:
        assert client.post("/password-resets", headers={"Host": host}).status_code == status
