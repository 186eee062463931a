"""Small server-side charts as inline SVG (no script, no remote resource)."""

from __future__ import annotations

from markupsafe import Markup, escape

from reports.format import fr_date, fr_percent
from reports.model import TrendPoint

W, H, PAD = 360, 120, 24


def trend_svg(points: tuple[TrendPoint, ...]) -> Markup:
    """Dropout (red) and completion (green) rates over the evaluations, 0–100 %."""
    if len(points) < 2:
        return Markup('<p class="muted">Tendance disponible à partir de la deuxième évaluation.</p>')
    step = (W - 2 * PAD) / (len(points) - 1)

    def path(values: list[float]) -> str:
        return " ".join(f"{PAD + i * step:.1f},{H - PAD - v * (H - 2 * PAD):.1f}" for i, v in enumerate(values))

    drop = [p.taux_abandon for p in points]
    done = [p.taux_achevement for p in points]
    label = (f"Taux d’abandon de {fr_percent(drop[0])} à {fr_percent(drop[-1])}, d’achèvement de "
             f"{fr_percent(done[0])} à {fr_percent(done[-1])}, du {fr_date(points[0].data_time)} au "
             f"{fr_date(points[-1].data_time)}")
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#999"/>'
        f'<line x1="{PAD}" y1="{PAD}" x2="{W - PAD}" y2="{PAD}" stroke="#ddd"/>'
        f'<text x="2" y="{PAD + 4}" font-size="9">100 %</text><text x="8" y="{H - PAD + 4}" font-size="9">0 %</text>'
        f'<polyline fill="none" stroke="#b00020" stroke-width="2" points="{path(drop)}"/>'
        f'<polyline fill="none" stroke="#1b7f3b" stroke-width="2" points="{path(done)}"/>'
        f'<text x="{PAD}" y="{H - 4}" font-size="9">{escape(fr_date(points[0].data_time))}</text>'
        f'<text x="{W - PAD}" y="{H - 4}" font-size="9" text-anchor="end">'
        f'{escape(fr_date(points[-1].data_time))}</text></svg>')
