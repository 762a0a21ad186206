"""GitHub's id curves: how many account / repository ids were handed out by a date, and a
sign-up clock that hands out the next ids during the simulated window with a daily rhythm."""
from __future__ import annotations

import bisect
import datetime as _dt

DAY = 86400
HOUR = 3600

# (date, ids handed out by then): GitHub user ids (~160 M by early 2024) and repository ids
# (~740 M by early 2024). Linear in between; ~100 k accounts and ~470 k repos a day in 2024.
ACCOUNT_CURVE = ((_dt.date(2008, 2, 1), 1), (_dt.date(2010, 1, 1), 170_000),
                 (_dt.date(2012, 1, 1), 1_300_000), (_dt.date(2014, 1, 1), 6_300_000),
                 (_dt.date(2016, 1, 1), 16_500_000), (_dt.date(2018, 1, 1), 35_000_000),
                 (_dt.date(2020, 1, 1), 59_000_000), (_dt.date(2022, 1, 1), 97_000_000),
                 (_dt.date(2023, 1, 1), 122_000_000), (_dt.date(2024, 1, 1), 154_000_000),
                 (_dt.date(2025, 1, 1), 190_000_000), (_dt.date(2030, 1, 1), 400_000_000))
REPO_CURVE = ((_dt.date(2008, 2, 1), 1), (_dt.date(2012, 1, 1), 3_000_000),
              (_dt.date(2014, 1, 1), 15_000_000), (_dt.date(2016, 1, 1), 50_000_000),
              (_dt.date(2018, 1, 1), 116_000_000), (_dt.date(2020, 1, 1), 231_000_000),
              (_dt.date(2022, 1, 1), 443_000_000), (_dt.date(2023, 1, 1), 583_000_000),
              (_dt.date(2024, 1, 1), 737_000_000), (_dt.date(2025, 1, 1), 910_000_000),
              (_dt.date(2030, 1, 1), 1_800_000_000))
EPOCH = _dt.date(1970, 1, 1)
DIURNAL_SIGNUP = [0.55, 0.5, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.15, 1.2,
                  1.3, 1.4, 1.45, 1.45, 1.4, 1.3, 1.2, 1.1, 1.0, 0.9, 0.75, 0.65]
_SIGNUP_CUM = [0.0]
for _w in DIURNAL_SIGNUP:
    _SIGNUP_CUM.append(_SIGNUP_CUM[-1] + _w)


def unix_midnight(day: _dt.date) -> int:
    """Unix seconds of ``day``'s UTC midnight."""
    return (day - EPOCH).days * DAY


def curve_at(curve, unix: float) -> float:
    """Ids handed out by ``unix`` seconds (piecewise linear in days)."""
    days = unix / DAY
    xs = [(d - EPOCH).days for d, _ in curve]
    i = max(1, min(len(xs) - 1, bisect.bisect_right(xs, days)))
    (x0, y0), (x1, y1) = (xs[i - 1], curve[i - 1][1]), (xs[i], curve[i][1])
    return y0 + (y1 - y0) * (days - x0) / (x1 - x0)


def curve_inverse(curve, ident: float) -> float:
    """Unix seconds at which id ``ident`` was handed out."""
    ys = [y for _, y in curve]
    i = max(1, min(len(ys) - 1, bisect.bisect_right(ys, ident)))
    x0, x1 = (curve[i - 1][0] - EPOCH).days, (curve[i][0] - EPOCH).days
    y0, y1 = ys[i - 1], ys[i]
    return (x0 + (x1 - x0) * (ident - y0) / (y1 - y0)) * DAY


class SignupClock:
    """Ids in creation order with a daily rhythm: ``at(t)`` is the next id at window second t."""

    def __init__(self, curve, start: _dt.date, days: int):
        self.curve = curve
        self.t0 = unix_midnight(start)
        # ids at each midnight of the window (and one after)
        self.mid = [curve_at(curve, self.t0 + d * DAY) for d in range(days + 2)]

    def at(self, t: float) -> int:
        if t < 0 or t >= (len(self.mid) - 1) * DAY:
            return int(curve_at(self.curve, self.t0 + t))
        d = int(t // DAY)
        frac = (t - d * DAY) / HOUR
        h = min(23, int(frac))
        cum = (_SIGNUP_CUM[h] + DIURNAL_SIGNUP[h] * (frac - h)) / _SIGNUP_CUM[-1]
        return int(self.mid[d] + (self.mid[d + 1] - self.mid[d]) * cum)

    def base(self) -> int:
        return int(self.mid[0])
