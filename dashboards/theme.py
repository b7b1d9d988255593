"""The site's one plotly template: Okabe-Ito colours (colour-blind safe), French separators.

The template is kept small on purpose: plotly copies it into every figure of a page.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE_NAME = "quartiers"

# Okabe & Ito (2008), "Color Universal Design"; yellow (#F0E442) last: weak on white.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
GREY = "#8C8C8C"
LIGHT_GREY = "#D9D9D9"
TEXT = "#1E1E1E"

# A scheme keeps its colour on every chart.
SCHEME_COLOURS = {
    "ALL": OKABE_ITO[0],
    "QE": OKABE_ITO[1],
    "QA": OKABE_ITO[5],
    "QS": OKABE_ITO[2],
    "VA": OKABE_ITO[4],
    "VVV": OKABE_ITO[3],
}
# Sequential scale for maps: light sky blue to dark blue (readable for every colour vision).
SEQUENTIAL = [[0.0, "#DCEEFB"], [0.5, "#56B4E9"], [1.0, "#003F66"]]

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

# Decimal comma, space as thousands separator (plotly: first char decimal, second thousands).
SEPARATORS = ", "


def _template() -> go.layout.Template:
    return go.layout.Template(
        layout={
            "colorway": list(OKABE_ITO),
            "separators": SEPARATORS,
            "font": {"family": FONT, "size": 13, "color": TEXT},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "margin": {"l": 56, "r": 16, "t": 64, "b": 40},
            "hoverlabel": {"font": {"family": FONT}},
            "legend": {"orientation": "h", "y": -0.12, "yanchor": "top"},
            "xaxis": {"showgrid": False, "linecolor": GREY, "ticks": "outside", "automargin": True},
            "yaxis": {
                "gridcolor": "#EBEBEB",
                "zerolinecolor": GREY,
                "rangemode": "tozero",
                "automargin": True,
            },
            "title": {"font": {"size": 15}, "x": 0, "xanchor": "left"},
        }
    )


def template() -> go.layout.Template:
    """The registered template (registered on first use, idempotent)."""
    if TEMPLATE_NAME not in pio.templates:
        pio.templates[TEMPLATE_NAME] = _template()
    return pio.templates[TEMPLATE_NAME]


# Passed to every fig.to_html: French locale, no plotly logo, fits its container.
CONFIG = {
    "locale": "fr",
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
}
