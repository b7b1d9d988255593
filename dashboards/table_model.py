"""What a table is: its columns (French labels, kinds) and rows, shown on a page and, with
a slug, exported beside it (CSV, XLSX). Hidden counts are null, with the mark to print in
the `<column>_secret` column."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from dashboards import formatting as fmt

SECRET_SUFFIX = "_secret"


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str = "text"  # text, year, people, count, amount, ratio, per100, number, flag
    missing: str = fmt.MISSING
    help: str = ""  # definition shown on hover of the column header


@dataclass
class Table:
    """A table shown on a page and, when it has a slug, exported beside it."""

    slug: str | None
    title: str
    columns: list[Column]
    df: pl.DataFrame
    html_rows: pl.DataFrame | None = None  # rows shown on the page (default: every row)
    export_columns: list[Column] | None = None  # columns of the export (default: columns)
    note: str = ""
    links: dict[str, str] = field(default_factory=dict)  # first-column value -> page href
    emphasis: Callable[[dict], bool] | None = None  # rows to highlight
    folded: bool = False  # shown folded (title as a summary to click)

    @property
    def shown(self) -> pl.DataFrame:
        return self.df if self.html_rows is None else self.html_rows
