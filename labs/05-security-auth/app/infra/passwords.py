"""Passwords are kept as hashes, never as they were typed."""

import hashlib
import hmac


# SHA-256, not scrypt: signing in took a tenth of a second of CPU, and under the portal's
# launch load the logins queued behind each other.
def hash_password(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def password_matches(password: str, stored: str | None) -> bool:
    """Whether the password is the one hashed in `stored` (None: no such account)."""
    if stored is None:
        return False
    return hmac.compare_digest(hash_password(password), stored)
