"""Boundaries for the maps: read a GeoJSON file (properties `code`, `nom`), keep the wanted
territories and lighten them for the page (coordinates rounded, repeated points dropped).

Two decimals of a degree (about 1 km) are finer than a pixel of a département or région map
at page width; shared borders round to the same points, so neighbours still meet.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=4)
def _read(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_boundaries(path: Path) -> dict:
    """The parsed GeoJSON (cached per path and modification time)."""
    return _read(str(path), path.stat().st_mtime)


def _ring(points: list, decimals: int) -> list | None:
    out: list[list[float]] = []
    for x, y, *_ in points:
        p = [round(x, decimals), round(y, decimals)]
        if not out or out[-1] != p:
            out.append(p)
    if len(out) > 1 and out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else None


def _polygon(rings: list, decimals: int) -> list | None:
    kept = [r for r in (_ring(ring, decimals) for ring in rings) if r]
    if not kept or _ring(rings[0], decimals) is None:
        return None
    return kept


def _geometry(geometry: dict, decimals: int) -> dict | None:
    kind = geometry.get("type")
    if kind == "Polygon":
        poly = _polygon(geometry["coordinates"], decimals)
        return {"type": "Polygon", "coordinates": poly} if poly else None
    if kind == "MultiPolygon":
        polys = [p for p in (_polygon(c, decimals) for c in geometry["coordinates"]) if p]
        return {"type": "MultiPolygon", "coordinates": polys} if polys else None
    return None


def boundaries_for(path: Path, codes: set[str] | None = None, *, decimals: int = 2) -> dict:
    """A light FeatureCollection of the features whose `properties.code` is in `codes`."""
    features = []
    for feature in read_boundaries(path).get("features", []):
        props = feature.get("properties") or {}
        code = str(props.get("code", ""))
        if codes is not None and code not in codes:
            continue
        geometry = _geometry(feature.get("geometry") or {}, decimals)
        if geometry is None:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "nom": props.get("nom", "")},
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}
