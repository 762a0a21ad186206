"""Charts as plain inline SVG, drawn in Python: no script, no network, scales to a phone.

Every label goes through markupsafe.escape; colours are presentation attributes (no style
attributes), so pages can send a strict Content-Security-Policy.
"""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

REAL = "#4c78a8"
SUSPECTED = "#e45756"
MARK = "#fde2e1"
GRID = "#d0d7de"
INK = "#24292f"

W, H = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 28, 44


def _fmt(v: float) -> str:
    if v >= 1e6:
        return f"{v / 1e6:.1f}M"
    if v >= 1e4:
        return f"{v / 1e3:.0f}k"
    if v >= 1e3:
        return f"{v / 1e3:.1f}k"
    if v == int(v):
        return str(int(v))
    return f"{v:.2g}"


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    import math

    mag = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * mag >= v:
            return m * mag
    return 10 * mag


def stacked_bars(
    labels: Sequence[str],
    stacks: Sequence[tuple[str, str, Sequence[float]]],
    *,
    title: str,
    marks: Sequence[bool] | None = None,
    mark_label: str = "",
    percent: bool = False,
) -> Markup:
    """Bars over `labels`, each stacking the series (name, colour, values), bottom first.
    `marks` shades the background behind the marked bars (e.g. campaign months)."""
    n = len(labels)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    totals = [sum(s[2][i] or 0 for s in stacks) for i in range(n)]
    top = _nice_max(max(totals, default=0))
    out = [f'<svg class="chart" role="img" viewBox="0 0 {W} {H}" width="100%" '
           f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
           f"<title>{escape(title)}</title>",
           f'<text x="{LEFT}" y="16" font-size="16" font-weight="600" fill="{INK}">'
           f"{escape(title)}</text>"]
    for k in range(5):
        y = TOP + ph - ph * k / 4
        val = top * k / 4
        lab = f"{100 * val:.0f}%" if percent else _fmt(val)
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="14" text-anchor="end" '
                   f'fill="{INK}">{escape(lab)}</text>')
    if n == 0:
        out.append(f'<text x="{W / 2}" y="{TOP + ph / 2}" text-anchor="middle" font-size="13" '
                   f'fill="{INK}">no data</text></svg>')
        return Markup("".join(out))
    slot = pw / n
    bw = max(1.0, min(slot * 0.8, 48.0))
    if marks:
        for i, m in enumerate(marks):
            if m:
                out.append(f'<rect class="mark" x="{LEFT + i * slot:.2f}" y="{TOP}" '
                           f'width="{slot:.2f}" height="{ph}" fill="{MARK}">'
                           f"<title>{escape(mark_label)}: {escape(labels[i])}</title></rect>")
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
    step = max(1, -(-n // 6))
    for i in range(0, n, step):
        x = LEFT + i * slot + slot / 2
        out.append(f'<text x="{x:.1f}" y="{TOP + ph + 16}" font-size="14" text-anchor="middle" '
                   f'fill="{INK}">{escape(labels[i])}</text>')
    lx = LEFT
    for name, colour, _ in stacks:
        out.append(f'<rect x="{lx}" y="{H - 14}" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{lx + 14}" y="{H - 5}" font-size="14" fill="{INK}">'
                   f"{escape(name)}</text>")
        lx += 26 + 9 * len(name)
    if marks and any(marks):
        out.append(f'<rect x="{lx}" y="{H - 14}" width="10" height="10" fill="{MARK}" '
                   f'stroke="{GRID}"/><text x="{lx + 14}" y="{H - 5}" font-size="14" '
                   f'fill="{INK}">{escape(mark_label)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


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
