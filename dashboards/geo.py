"""Boundaries for the maps: read a GeoJSON file (properties `code`, `nom`), keep the wanted
territories and lighten them for the page (coordinates rounded, repeated points dropped).

Two decimals of a degree (about 1 km) are finer than a pixel of a département or région map
at page width; shared borders round to the same points, so neighbours still meet.

The site ships its own boundaries (`geodata/`, see geodata/SOURCES.md), simplified once
from public files with `python -m dashboards.geo SOURCE TARGET` (Douglas–Peucker, then
rounding), so the maps draw without any configuration.
"""

from __future__ import annotations

import argparse
import json
import math
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


# --------------------------------------------------------------------------- shipping


def _distance(p: list, a: list, b: list) -> float:
    """Distance from p to the segment a–b (plane coordinates: fine at this scale)."""
    (x, y), (x1, y1), (x2, y2) = p[:2], a[:2], b[:2]
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return math.hypot(x - x1, y - y1)
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - x1 - t * dx, y - y1 - t * dy)


def douglas_peucker(points: list, tolerance: float) -> list:
    """The points of a line kept by Douglas–Peucker (ends always kept); iterative."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        far, far_d = None, tolerance
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > far_d:
                far, far_d = i, d
        if far is not None:
            keep[far] = True
            stack += [(first, far), (far, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_ring(ring: list, tolerance: float) -> list:
    """A closed ring simplified as two lines (start → farthest point → start), so its
    shape survives even when start and end are the same point."""
    if len(ring) < 5:
        return list(ring)
    start = ring[0]
    far = max(
        range(len(ring)), key=lambda i: math.hypot(ring[i][0] - start[0], ring[i][1] - start[1])
    )
    return douglas_peucker(ring[: far + 1], tolerance)[:-1] + douglas_peucker(ring[far:], tolerance)


def lighten(geojson: dict, tolerance: float, decimals: int) -> dict:
    """Every feature simplified (rings with fewer than 4 points dropped), properties
    reduced to `code` and `nom`."""
    features = []
    for feature in geojson.get("features", []):
        geometry = feature.get("geometry") or {}
        polygons = (
            [geometry["coordinates"]]
            if geometry.get("type") == "Polygon"
            else geometry.get("coordinates", [])
        )
        kept = []
        for polygon in polygons:
            rings = [simplify_ring(ring, tolerance) for ring in polygon]
            poly = _polygon(rings, decimals)
            if poly:
                kept.append(poly)
        if not kept:
            continue
        props = feature.get("properties") or {}
        features.append(
            {
                "type": "Feature",
                "properties": {"code": str(props.get("code", "")), "nom": props.get("nom", "")},
                "geometry": {"type": "MultiPolygon", "coordinates": kept}
                if len(kept) > 1
                else {"type": "Polygon", "coordinates": kept[0]},
            }
        )
    features.sort(key=lambda f: f["properties"]["code"])
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Simplify a GeoJSON of territories for the site.")
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument(
        "--tolerance", type=float, default=0.004, help="degrees (default 0.004, ~400 m)"
    )
    parser.add_argument("--decimals", type=int, default=3)
    args = parser.parse_args(argv)
    light = lighten(
        json.loads(args.source.read_text(encoding="utf-8")), args.tolerance, args.decimals
    )
    args.target.write_text(
        json.dumps(light, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
