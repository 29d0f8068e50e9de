"""The downloads bench's own arithmetic (the transfers themselves run in `make bench`)."""

from __future__ import annotations

import pytest

from tests.bench.downloads import ADD_PHASE, DIAL_PERIOD, ratio_spread, until_add_phase


@pytest.mark.parametrize(
    ("age", "wait"),
    [(0.0, 0.25), (0.25, 0.0), (0.3, 0.95), (1.2, 0.05), (7.75, 0.5)],
)
def test_every_side_adds_at_the_same_point_of_libtorrents_dialling(age: float, wait: float) -> None:
    assert until_add_phase(100.0, 100.0 + age) == pytest.approx(wait)
    # Whenever the wait started, the add falls ADD_PHASE into a second of the session's life.
    assert (age + wait) % DIAL_PERIOD == pytest.approx(ADD_PHASE)


def test_ratios_are_the_median_of_the_rounds_with_their_spread() -> None:
    assert ratio_spread([0.9, 1.2, 0.5, 1.0, 0.95]) == {"": 0.95, "_low": 0.5, "_high": 1.2}
