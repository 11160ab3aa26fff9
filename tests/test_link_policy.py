"""The link policy: built from the settings' title thresholds, printed whole, frozen, and part
of every run's cache key."""

from __future__ import annotations

import dataclasses
import json

import pytest

from pipeline import incremental
from pipeline.config import MatchThresholds
from pipeline.incremental import run_fingerprint
from pipeline.link.policy import LinkPolicy


def test_from_thresholds_takes_the_title_thresholds_and_keeps_every_other_default() -> None:
    policy = LinkPolicy.from_thresholds(MatchThresholds(accept=93.0, review=70.0, margin=2.5))
    assert (policy.title_accept, policy.title_review, policy.title_margin) == (93.0, 70.0, 2.5)
    expected = dataclasses.replace(
        LinkPolicy(), title_accept=93.0, title_review=70.0, title_margin=2.5
    )
    assert policy == expected
    assert LinkPolicy.from_thresholds(MatchThresholds()) == LinkPolicy()


def test_as_dict_holds_every_field_and_is_json() -> None:
    policy = LinkPolicy(author_context_ratio=2.0)
    values = policy.as_dict()
    fields = [field.name for field in dataclasses.fields(LinkPolicy)]
    assert list(values) == fields
    assert values == {name: getattr(policy, name) for name in fields}
    assert json.loads(json.dumps(values)) == values


def test_the_policy_is_frozen() -> None:
    policy = LinkPolicy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.title_accept = 50.0  # type: ignore[misc]
    assert policy.title_accept == LinkPolicy().title_accept


def test_every_threshold_is_part_of_the_run_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    """An equal policy shares the run's cached documents; a policy with any one threshold
    changed (the code and libraries the same) is another run."""
    monkeypatch.setattr(incremental, "code_sha256", lambda: "c" * 64)
    monkeypatch.setattr(incremental, "library_versions", lambda: {"python": "3"})

    def fingerprint(policy: LinkPolicy) -> str:
        return run_fingerprint("a" * 64, "t" * 64, policy)

    base = fingerprint(LinkPolicy())
    assert fingerprint(LinkPolicy.from_thresholds(MatchThresholds())) == base
    assert fingerprint(dataclasses.replace(LinkPolicy())) == base
    unchanged = []
    for field in dataclasses.fields(LinkPolicy):
        value = getattr(LinkPolicy(), field.name)
        other = not value if isinstance(value, bool) else value + 1
        if fingerprint(dataclasses.replace(LinkPolicy(), **{field.name: other})) == base:
            unchanged.append(field.name)
    assert unchanged == []
