"""Short-lived signed links: an HMAC of a message and its expiry, keyed by the secret key.

Media URLs and export downloads use it; a link works until its expiry (unix time) for
whoever holds it, so it is issued only to those who may see what it points at.
"""

from __future__ import annotations

import hashlib
import hmac


def sign(secret_key: str, message: str, expires: int) -> str:
    payload = f"{message}:{expires}".encode()
    return hmac.new(secret_key.encode(), payload, hashlib.sha256).hexdigest()[:32]


def verify(secret_key: str, message: str, expires: int, signature: str, now: int) -> bool:
    if expires < now:
        return False
    return hmac.compare_digest(sign(secret_key, message, expires), signature)
