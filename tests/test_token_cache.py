"""The process's cache of checked tokens: what it keeps, for how long, and what it drops."""

from __future__ import annotations

import time

import pytest

from grassroots.models import Account
from grassroots.workflow.actor import Actor
from grassroots.workflow.auth import Authenticated
from grassroots.workflow.token_cache import TokenCache


def checked(token_id: int) -> Authenticated:
    actor = Actor(account_id=token_id, username=f"u{token_id}", display_name="", token_id=token_id)
    return Authenticated(actor, Account(id=token_id, username=f"u{token_id}"), None)


def test_a_check_that_began_before_a_revocation_is_not_kept() -> None:
    # Given a check of token 1 that starts, then token 1 is revoked while it reads
    cache = TokenCache(ttl=60)
    started = cache.generation
    cache.forget_token(1)

    # When the check ends with what it read (the token as it was before the revocation)
    cache.put("digest-1", checked(1), started)

    # Then nothing is kept: the next request checks the database again
    assert cache.get("digest-1") is None


def test_a_revoked_token_leaves_and_others_stay() -> None:
    cache = TokenCache(ttl=60)
    cache.put("digest-1", checked(1), cache.generation)
    cache.put("digest-2", checked(2), cache.generation)
    cache.forget_token(1)
    assert cache.get("digest-1") is None
    found = cache.get("digest-2")
    assert found is not None
    assert found.actor.token_id == 2


def test_an_entry_lasts_its_ttl_and_the_cache_its_size(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    cache = TokenCache(ttl=5, max_entries=2)
    cache.put("digest-1", checked(1), cache.generation)
    now[0] += 4.9
    assert cache.get("digest-1") is not None
    now[0] += 0.2
    assert cache.get("digest-1") is None
    for i in range(3):
        cache.put(f"d{i}", checked(i), cache.generation)
    assert len(cache) == 2
    assert cache.get("d0") is None  # the least recently checked went first


def test_a_zero_ttl_keeps_nothing() -> None:
    cache = TokenCache(ttl=0)
    cache.put("digest-1", checked(1), cache.generation)
    assert len(cache) == 0
