"""The API's own documentation, public: the OpenAPI document at /openapi/v1.json (3.0.3; the
same in 3.1 at /openapi/v3.1.json) and the interactive explorer at /docs (Scalar's standalone
bundle, served from this app: no CDN, works offline). The document is generated on the first
request, not at import (cold start)."""
from __future__ import annotations

import functools
import html
import json
from pathlib import Path

from chalice import Blueprint, Response

from chalicelib.http.contract import HTML, OBJECT, Success
from chalicelib.http.endpoint import Call, endpoint
from chalicelib.kernel.errors import NotFoundError

bp = Blueprint(__name__)

# Fetched by `make deps` (scripts/fetch-scalar.sh, pinned version and checksum); not in git.
SCALAR_BUNDLE = Path(__file__).resolve().parent.parent / "static" / "scalar" / "standalone.js"
# The explorer shows no button that calls an outside service: no "open in Scalar's client",
# no "Generate MCP", no AI agent, no telemetry, no "Powered by Scalar" link, and requests go only
# to this server (the document also lists the hosted one, for clients). Its requests go straight
# to this server: no `proxyUrl`, so no request proxy.
SCALAR_CONFIG = {"withDefaultFonts": False, "defaultOpenAllTags": True,
                 "showDeveloperTools": "never", "agent": {"disabled": True},
                 "mcp": {"disabled": True}, "hideClientButton": True,
                 "telemetry": False, "metaData": {"title": "Enori API"},
                 "customCss": '.scalar-app a[href*="//www.scalar.com"] { display: none; }'}
# The page loads only this origin's script and document: the browser itself keeps it offline.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
OPENAPI_30_PATH = "/openapi/v1.json"    # what the spec promises: OpenAPI 3.0
OPENAPI_31_PATH = "/openapi/v3.1.json"  # the same API in 3.1 (exact nullable types, webhooks)


def docs_page(path: str) -> str:
    """The explorer's page as served at `path` (/docs, /docs/, or under a stage prefix such as
    /dev/docs). Its URLs are relative, so they work under any prefix; at /docs/ they climb one
    level more, so the trailing slash renders the same page."""
    up = "../" if path.endswith("/") else ""
    base = path.rstrip("/").removesuffix("/docs") + "/"
    config = {**SCALAR_CONFIG, "url": up + OPENAPI_31_PATH.lstrip("/"),
              "servers": [{"url": base, "description": "This server"}]}
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Enori API reference</title>
</head>
<body>
<script id="api-reference" data-configuration='{html.escape(json.dumps(config), quote=True)}'></script>
<script src="{up}docs/scalar.js"></script>
</body>
</html>
"""


def _document(version: str) -> Response:
    from chalicelib.openapi.document import document_json  # built on first use, then cached

    return Response(body=document_json(version), status_code=200,
                    headers={"Content-Type": "application/json",
                             "Access-Control-Allow-Origin": "*"})


@endpoint(bp, OPENAPI_30_PATH, "GET", public=True,
          returns=Success(OBJECT, description="This document, in OpenAPI 3.0.3"))
def openapi_document(call: Call):
    return _document("3.0.3")


@endpoint(bp, OPENAPI_31_PATH, "GET", public=True,
          returns=Success(OBJECT, description="This document, in OpenAPI 3.1"))
def openapi_document_v31(call: Call):
    return _document("3.1.0")


@endpoint(bp, "/docs", "GET", public=True, returns=Success(
    {"type": "string"}, media=(HTML,), description="The interactive API explorer (Scalar)"))
def api_reference(call: Call):
    # API Gateway and the local server both route /docs/ here; the path as requested says which.
    path = (call.request.context or {}).get("path") or "/docs"
    return Response(body=docs_page(path), status_code=200,
                    headers={"Content-Type": "text/html; charset=utf-8",
                             "Content-Security-Policy": CSP})


@endpoint(bp, "/docs/scalar.js", "GET", public=True, errors=(404,), returns=Success(
    {"type": "string"}, media=("application/javascript",),
    description="The explorer's script, served offline"))
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
