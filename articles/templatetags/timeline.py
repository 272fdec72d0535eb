"""The chart of matching releases per year (or month), drawn on the server as SVG: no script needed."""
from dataclasses import dataclass

from django import template

from .search_urls import _search_url

register = template.Library()

WIDTH, HEIGHT, LABEL_SPACE = 600, 120, 16
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class Bar:
    period: str  # "2019" or "2019-09"
    label: str
    count: int
    url: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    show_label: bool


@register.inclusion_tag("articles/timeline.html", takes_context=True)
def timeline_chart(context, timeline):
    """Bars of `timeline` [(period, count)], each a link narrowing the search to its period."""
    if len(timeline) < 2 and not any(count for _, count in timeline):
        return {"bars": []}
    query = context["request"].GET
    slot = WIDTH / max(1, len(timeline))
    tallest = max(count for _, count in timeline) or 1
    every = max(1, round(len(timeline) / 12))  # at most about a dozen labels
    bars = []
    for number, (period, count) in enumerate(timeline):
        height = (HEIGHT - LABEL_SPACE - 4) * count / tallest
        label = f"{MONTHS[int(period[5:]) - 1]} {period[:4]}" if len(period) > 4 else period
        bars.append(Bar(
            period=period, label=label, count=count, url=_search_url(query, **{"from": period, "to": period}),
            x=round(number * slot + slot * 0.1, 1), width=round(slot * 0.8, 1),
            y=round(HEIGHT - LABEL_SPACE - height, 1), height=round(height, 1),
            label_x=round(number * slot + slot / 2, 1), show_label=number % every == 0,
        ))  # fmt: skip
    unit = "month" if len(timeline[0][0]) > 4 else "year"
    return {"bars": bars, "unit": unit, "width": WIDTH, "height": HEIGHT, "baseline": HEIGHT - LABEL_SPACE, "label_y": HEIGHT - 3}
