"""Charts as plain inline SVG, drawn in Python: no script, no network, scales to a phone.

Every label goes through markupsafe.escape; colours are presentation attributes (no style
attributes), so pages can send a strict Content-Security-Policy.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

REAL = "#4c78a8"
SUSPECTED = "#e45756"
MARK = "#fde2e1"
GRID = "#d0d7de"
INK = "#24292f"

# A narrow canvas with large text: it is drawn at most ~1.5x (pages cap its width) and at
# ~0.8x on a 390 px phone, where 14-unit text still reads as ~11 px.
W, H = 440, 250
LEFT, RIGHT, TOP, BOTTOM = 48, 10, 30, 28
FONT = 14
LEGEND_ROW = 18


def nice_ticks(vmax: float, *, target: int = 4, integer: bool = False) -> list[float]:
    """Gridline values 0, s, 2s, ... up to the first multiple of s at or above ``vmax``, with
    s a round step (1, 2 or 5 x 10^k) giving about ``target`` intervals. ``integer``: counts,
    so s >= 1."""
    if not (vmax > 0 and math.isfinite(vmax)):
        return [0.0, 1.0]
    raw = vmax / target
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw * (1 - 1e-9))
    if integer:
        step = max(1.0, round(step))
    n = math.ceil(vmax / step - 1e-9)
    # round away binary noise (0.1 * 3 = 0.30000000000000004)
    return [round(i * step, 12) for i in range(n + 1)]


def tick_labels(ticks: Sequence[float], *, percent: bool = False) -> list[str]:
    """Labels for ``nice_ticks`` output, all in one unit and with the same decimals (never
    "5.0k" beside "10k"): percent for shares (values 0..1), else plain, k or M by the top."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    if percent:
        scale, suffix = 100.0, "%"
    else:
        top = max(ticks)
        scale, suffix = (1e-6, "M") if top >= 1e6 else (1e-3, "k") if top >= 1e4 else (1.0, "")
    scaled_step = step * scale
    decimals = max(0, -math.floor(math.log10(scaled_step) + 1e-9)) if scaled_step > 0 else 0
    return [f"0{suffix if percent else ''}" if t == 0 else f"{t * scale:,.{decimals}f}{suffix}"
            for t in ticks]


def span_ticks(lo: float, hi: float, *, width: float = W - LEFT - RIGHT,
               target: int = 4) -> tuple[list[float], list[str]]:
    """Round integer values (multiples of a 1, 2 or 5 x 10^k step) inside [lo, hi] and their
    labels, about ``target`` intervals apart and never more than fit side by side in ``width``:
    the x axis of a histogram over a range that does not start at 0 (account ids)."""
    if not (hi > lo and math.isfinite(lo) and math.isfinite(hi)):
        return [lo], [f"{lo:,.0f}"]
    mag = 10.0 ** math.floor(math.log10(max((hi - lo) / target, 1.0)))
    steps = [m * mag * 10 ** k for k in range(3) for m in (1, 2, 5)]
    # the largest step at most (hi - lo) / target, then larger ones until the labels fit
    steps = [st for st in steps if st >= 1 and st * target >= (hi - lo) * 0.5] or [1.0]
    for step in steps:
        first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
        ticks = [float(k * step) for k in range(first, last + 1)]
        labels = _span_labels(ticks, step)
        widest = max(len(t) for t in labels) * FONT * 0.6 + 12
        if len(ticks) <= 1 or len(ticks) * widest <= width:
            return ticks, labels
    return ticks, labels


def _span_labels(ticks: Sequence[float], step: float) -> list[str]:
    """One unit for all (M or k by the largest value, as the y axes), with the decimals the
    step needs; a narrow range of large ids, which would need many decimals, is written out
    (156,414,200)."""
    top = max(abs(t) for t in ticks)
    for scale, suffix, lowest, most in ((1e-6, "M", 1e6, 1), (1e-3, "k", 1e4, 0),
                                        (1.0, "", 0.0, 9)):
        decimals = max(0, -math.floor(math.log10(step * scale) + 1e-9))
        if top >= lowest and decimals <= most:
            break
    return ["0" if t == 0 else f"{t * scale:,.{decimals}f}{suffix}" for t in ticks]


def unit_labels(values: Sequence[int]) -> list[str]:
    """Short labels for a list of numbers (e.g. account-id bins) in one unit: M, k or none."""
    top = max(values, default=0)
    if top >= 1e6:
        return [f"{v / 1e6:.1f}M" for v in values]
    if top >= 1e4:
        return [f"{v / 1e3:.0f}k" for v in values]
    return [f"{v:,}" for v in values]


def _legend_rows(items: Sequence[str]) -> list[list[tuple[int, int]]]:
    """Place legend entries (text) in rows that fit the width: [(index, x), ...] per row."""
    rows: list[list[tuple[int, int]]] = [[]]
    x = LEFT
    for i, text in enumerate(items):
        w = 18 + int(FONT * 0.6 * len(text)) + 12
        if rows[-1] and x + w > W - RIGHT:
            rows.append([])
            x = LEFT
        rows[-1].append((i, x))
        x += w
    return rows


def stacked_bars(
    labels: Sequence[str],
    stacks: Sequence[tuple[str, str, Sequence[float]]],
    *,
    title: str,
    marks: Sequence[bool] | None = None,
    mark_label: str = "",
    percent: bool = False,
    axis_labels: Sequence[str] | None = None,
    x_span: tuple[float, float] | None = None,
) -> Markup:
    """Bars over `labels`, each stacking the series (name, colour, values), bottom first.
    `marks` shades the background behind the marked bars (e.g. campaign months); when every
    bar is marked, shading would mark nothing, so the legend says so instead.
    `axis_labels`: shorter labels for the x axis (default: `labels`). `x_span`: the bars are
    equal bins of the range (lo, hi): the x axis then shows round values of that range at
    their place (ticks between bars), not each bin's start under its middle."""
    n = len(labels)
    axis = list(axis_labels) if axis_labels is not None else list(labels)
    marks = list(marks or [])
    all_marked = bool(marks) and n > 0 and all(marks)
    legend = [name for name, _, _ in stacks]
    if marks and any(marks):
        legend.append(f"{mark_label}: every bar shown" if all_marked else mark_label)
    rows = _legend_rows(legend)
    height = H + LEGEND_ROW * (len(rows) - 1)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM - LEGEND_ROW
    totals = [sum(s[2][i] or 0 for s in stacks) for i in range(n)]
    ticks = nice_ticks(max(totals, default=0), integer=not percent)
    top = ticks[-1]
    out = [f'<svg class="chart" role="img" viewBox="0 0 {W} {height}" width="100%" '
           f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
           f"<title>{escape(title)}</title>",
           f'<text x="4" y="17" font-size="{FONT + 2}" font-weight="600" fill="{INK}">'
           f"{escape(title)}</text>"]
    for val, lab in zip(ticks, tick_labels(ticks, percent=percent)):
        y = TOP + ph - ph * val / top
        out.append(f'<line class="grid" x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text class="tick" x="{LEFT - 5}" y="{y + 4:.1f}" font-size="{FONT}" '
                   f'text-anchor="end" fill="{INK}">{escape(lab)}</text>')
    if n == 0:
        out.append(f'<text x="{W / 2}" y="{TOP + ph / 2}" text-anchor="middle" '
                   f'font-size="{FONT}" fill="{INK}">no data</text></svg>')
        return Markup("".join(out))
    slot = pw / n
    bw = max(1.0, min(slot * 0.8, 40.0))
    if marks and not all_marked:
        # one band per run of marked bars (a rect per bar shows seams between them)
        i = 0
        while i < n:
            if not (i < len(marks) and marks[i]):
                i += 1
                continue
            j = i
            while j + 1 < n and j + 1 < len(marks) and marks[j + 1]:
                j += 1
            span = labels[i] if i == j else f"{labels[i]} to {labels[j]}"
            out.append(f'<rect class="mark" x="{LEFT + i * slot:.2f}" y="{TOP}" '
                       f'width="{(j - i + 1) * slot:.2f}" height="{ph}" fill="{MARK}">'
                       f"<title>{escape(mark_label)}: {escape(span)}</title></rect>")
            i = j + 1
    for i in range(n):
        x = LEFT + i * slot + (slot - bw) / 2
        y = TOP + ph
        for name, colour, values in stacks:
            v = values[i] or 0
            if v <= 0:
                continue
            h = ph * v / top
            y -= h
            shown = f"{100 * v:.2f}%" if percent else f"{v:,}"
            out.append(f'<rect class="bar" x="{x:.2f}" y="{y:.2f}" width="{bw:.2f}" '
                       f'height="{max(h, 0.5):.2f}" fill="{colour}"><title>'
                       f"{escape(labels[i])}: {escape(name)} {escape(shown)}</title></rect>")
    out += _x_span_labels(*x_span, pw, ph) if x_span else _x_labels(axis, slot, pw, ph)
    out += _legend(rows, legend, [c for _, c, _ in stacks] + [MARK], len(stacks))
    out.append("</svg>")
    return Markup("".join(out))


def _x_labels(axis: list[str], slot: float, pw: float, ph: float) -> list[str]:
    """As many x labels as fit without overlapping (widest label + a gap per label)."""
    n = len(axis)
    widest = max((len(t) for t in axis), default=1) * FONT * 0.6 + 10
    step = max(1, math.ceil(n / max(1, int(pw // widest))))
    return [f'<text class="xlabel" x="{LEFT + i * slot + slot / 2:.1f}" y="{TOP + ph + 16}" '
            f'font-size="{FONT}" text-anchor="middle" fill="{INK}">{escape(axis[i])}</text>'
            for i in range(0, n, step)]


def _x_span_labels(lo: float, hi: float, pw: float, ph: float) -> list[str]:
    """Round values of (lo, hi) at their x with a tick mark; a label that would run past the
    chart's right edge is right-aligned to its tick."""
    ticks, labels = span_ticks(lo, hi, width=pw)
    out = []
    last_end = -math.inf
    for t, lab in zip(ticks, labels):
        x = LEFT + pw * (t - lo) / (hi - lo) if hi > lo else LEFT
        half = len(lab) * FONT * 0.3
        anchor = "end" if x + half > W - 1 else "middle"
        start, end = (x - 2 * half, x) if anchor == "end" else (x - half, x + half)
        if start < last_end + 6:  # would touch the label before (one pushed to the edge)
            continue
        last_end = end
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP + ph}" y2="{TOP + ph + 4}" '
                   f'stroke="{INK}" stroke-width="1"/>'
                   f'<text class="xlabel" x="{x:.1f}" y="{TOP + ph + 17}" font-size="{FONT}" '
                   f'text-anchor="{anchor}" fill="{INK}">{escape(lab)}</text>')
    return out


def _legend(rows, legend: list[str], colours: list[str], n_series: int) -> list[str]:
    """The legend's swatches and names (entries past the series: the marks, outlined)."""
    out = []
    for r, row in enumerate(rows):
        y = H - 14 + r * LEGEND_ROW
        for i, x in row:
            stroke = f' stroke="{GRID}"' if i >= n_series else ""
            out.append(f'<rect x="{x}" y="{y - 10}" width="11" height="11" fill="{colours[i]}"'
                       f'{stroke}/><text x="{x + 16}" y="{y}" font-size="{FONT}" '
                       f'fill="{INK}">{escape(legend[i])}</text>')
    return out


def badge(label: str, message: str, colour: str) -> str:
    """A shields.io-style flat badge (text widths estimated; Verdana 11px)."""
    def width(s: str) -> int:
        # Verdana at 11px averages ~7px a character (wider than most fonts: never clipped).
        return int(7 * len(s)) + 12

    lw, mw = width(label), width(message)
    tw = lw + mw
    lab, msg = escape(label), escape(message)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{tw}" height="20" role="img" '
        f'aria-label="{lab}: {msg}"><title>{lab}: {msg}</title>'
        f'<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        f'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{tw}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#555"/>'
        f'<rect x="{lw}" width="{mw}" height="20" fill="{colour}"/>'
        f'<rect width="{tw}" height="20" fill="url(#s)"/></g>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,'
        f'sans-serif" font-size="11">'
        f'<text x="{lw / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{lab}</text>'
        f'<text x="{lw / 2:.1f}" y="14">{lab}</text>'
        f'<text x="{lw + mw / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{msg}</text>'
        f'<text x="{lw + mw / 2:.1f}" y="14">{msg}</text></g></svg>'
    )
