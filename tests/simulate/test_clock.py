"""GitHub's id curves and the sign-up clock (simulate/clock.py)."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from starscope.simulate.clock import (ACCOUNT_CURVE, DAY, REPO_CURVE, SignupClock, curve_at, curve_inverse,
                                      unix_midnight)

_LO, _HI = unix_midnight(dt.date(2008, 2, 1)), unix_midnight(dt.date(2030, 1, 1))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([ACCOUNT_CURVE, REPO_CURVE]), st.floats(_LO, _HI))
def test_inverse_undoes_the_curve(curve, unix):
    assert abs(curve_inverse(curve, curve_at(curve, unix)) - unix) < 1e-3 * DAY


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([ACCOUNT_CURVE, REPO_CURVE]), st.dates(dt.date(2009, 1, 1), dt.date(2029, 1, 1)),
       st.integers(1, 40), st.lists(st.floats(0, 1), min_size=2, max_size=30))
def test_clock_hands_out_ids_in_time_order(curve, start, days, shares):
    """Later sign-ups never get lower ids; the window starts at the curve's value."""
    clock = SignupClock(curve, start, days)
    ts = sorted(x * days * DAY for x in shares)
    ids = [clock.at(t) for t in ts]
    assert ids == sorted(ids)
    assert clock.base() == int(curve_at(curve, unix_midnight(start)))
    assert ids[0] >= clock.base()
