"""The chart of matching releases per year (or month), drawn on the server as SVG: no script needed."""

from dataclasses import dataclass

from django import template

from .search_urls import search_url

register = template.Library()

WIDTH, HEIGHT, LABEL_SPACE = 600, 120, 16
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class Bar:
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
    """Bars of `timeline` (searching.Period), each a link narrowing the search to its period."""
    if len(timeline) < 2 and not any(period.count for period in timeline):
        return {"bars": []}
    query = context["request"].GET
    slot = WIDTH / max(1, len(timeline))
    tallest = max(period.count for period in timeline) or 1
    every = max(1, round(len(timeline) / 12))  # at most about a dozen labels
    bars = []
    for number, period in enumerate(timeline):
        count = period.count
        height = (HEIGHT - LABEL_SPACE - 4) * count / tallest
        bars.append(
            Bar(
                label=_label(period),
                count=count,
                url=search_url(query, **{"from": period.first, "to": period.last}),
                x=round(number * slot + slot * 0.1, 1),
                width=round(slot * 0.8, 1),
                y=round(HEIGHT - LABEL_SPACE - height, 1),
                height=round(height, 1),
                label_x=round(number * slot + slot / 2, 1),
                show_label=number % every == 0,
            )
        )
    return {
        "bars": bars,
        "unit": _unit(timeline[0]),
        "width": WIDTH,
        "height": HEIGHT,
        "baseline": HEIGHT - LABEL_SPACE,
        "label_y": HEIGHT - 3,
    }


def _label(period) -> str:
    if len(period.first) > 4:  # a month, "2019-09"
        return f"{MONTHS[int(period.first[5:]) - 1]} {period.first[:4]}"
    if period.first == period.last:
        return period.first
    if int(period.last) - int(period.first) == 9:
        return f"{period.first}s"
    return f"{period.first}–{period.last}"


def _unit(period) -> str:
    if len(period.first) > 4:
        return "month"
    return {1: "year", 10: "decade", 100: "century"}.get(
        int(period.last) - int(period.first) + 1, "millennium"
    )
