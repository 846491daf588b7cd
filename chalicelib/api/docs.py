"""The API's own documentation, public: the OpenAPI document at /openapi/v1.json and the
interactive explorer at /docs (Scalar's standalone bundle, served from this app: no CDN, works
offline). The document is generated on the first request, not at import (cold start)."""
from __future__ import annotations

import functools
import json
from pathlib import Path

from chalice import Blueprint, Response

from chalicelib.api.http import Call, endpoint
from chalicelib.errors import NotFoundError

bp = Blueprint(__name__)

# Fetched by `make deps` (scripts/fetch-scalar.sh, pinned version and checksum); not in git.
SCALAR_BUNDLE = Path(__file__).resolve().parent.parent / "static" / "scalar" / "standalone.js"
# Relative URLs, so the page also works under an API Gateway stage prefix.
SCALAR_CONFIG = {"url": "openapi/v1.json", "withDefaultFonts": False, "defaultOpenAllTags": True,
                 "showDeveloperTools": "never", "agent": {"disabled": True},
                 "telemetry": False, "metaData": {"title": "Enori API"}}
# The page loads only this origin's script and document: the browser itself keeps it offline.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
DOCS_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Enori API reference</title>
</head>
<body>
<script id="api-reference" data-configuration='{json.dumps(SCALAR_CONFIG)}'></script>
<script src="docs/scalar.js"></script>
</body>
</html>
"""


@endpoint(bp, "/openapi/v1.json", "GET", public=True)
def openapi_document(call: Call):
    from chalicelib.openapi.document import document_json  # built on first use, then cached

    return Response(body=document_json(), status_code=200,
                    headers={"Content-Type": "application/json",
                             "Access-Control-Allow-Origin": "*"})


@endpoint(bp, "/docs", "GET", public=True)
def api_reference(call: Call):
    return Response(body=DOCS_PAGE, status_code=200,
                    headers={"Content-Type": "text/html; charset=utf-8",
                             "Content-Security-Policy": CSP})


@endpoint(bp, "/docs/scalar.js", "GET", public=True)
def api_reference_script(call: Call):
    return Response(body=_bundle(), status_code=200,
                    headers={"Content-Type": "application/javascript; charset=utf-8",
                             "Cache-Control": "public, max-age=3600"})


@functools.lru_cache(maxsize=1)
def _bundle() -> str:
    try:
        return SCALAR_BUNDLE.read_text(encoding="utf-8")
    except FileNotFoundError:
        _bundle.cache_clear()
        raise NotFoundError("The API explorer's script is not installed: run `make deps` "
                            "(scripts/fetch-scalar.sh).")
