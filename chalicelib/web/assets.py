"""The dashboard's static files, served by the app under a content-hash URL
(`/static/<sha256 prefix>/<name>`) with a year-long immutable cache: a new version of a file has a
new URL, so no browser keeps a stale one. No CDN: the charts work offline.

uPlot (MIT, `uplot@1.6.32` from npm, dist/uPlot.iife.min.js) is committed as is; its stylesheet is
folded into app.css so every page loads one stylesheet."""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
TYPES = {".css": "text/css; charset=utf-8", ".js": "application/javascript; charset=utf-8"}
FILES = ("app.css", "app.js", "uplot-1.6.32.min.js")
LONG_CACHE = "public, max-age=31536000, immutable"


@functools.lru_cache(maxsize=None)
def content(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def digest(name: str) -> str:
    return hashlib.sha256(content(name).encode()).hexdigest()[:16]


def url(name: str) -> str:
    return f"/static/{digest(name)}/{name}"


def lookup(hash_part: str, name: str) -> tuple[str, str] | None:
    """(body, content type) of `name` when `hash_part` is its current digest, else None."""
    if name not in FILES or hash_part != digest(name):
        return None
    return content(name), TYPES[Path(name).suffix]
