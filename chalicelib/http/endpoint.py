"""The one place where HTTP meets the domain: authentication, scopes, rate limits, body parsing,
pagination and the error envelope. Every route is declared with `endpoint(...)`."""
from __future__ import annotations

import copy
import functools
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Callable, Iterator

import pydantic
from chalice import Blueprint, Response

from chalicelib.http import auth, contract
from chalicelib.http.contract import DEFAULT_LIMIT, MAX_LIMIT
from chalicelib.kernel import ids
from chalicelib.http import rate_leases, ratelimits
from chalicelib.kernel import scopes
from chalicelib.kernel.clock import clamp_to_utc, iso
from chalicelib.kernel.errors import (
    EnoriError,
    InsufficientScopeError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    ValidationError,
)
from chalicelib.kernel.models import validation_details
from chalicelib.kernel.fields import is_slug
from chalicelib.kernel.runtime import runtime
from chalicelib.storage import rate_limits as rate_store

log = logging.getLogger("enori.api")

# Bodies are parsed as JSON whatever the label says, so a mislabelled body gets our 400, not
# Chalice's bare 415.
BODY_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded",
              "application/octet-stream", "application/merge-patch+json"]

# Checked here, not behind a proxy, so it holds on Lambda and locally alike. Ping bodies are cut
# to their own 10 KB later (`heartbeats.message_of`).
MAX_BODY_BYTES = 1024 * 1024
# The methods whose body a route declares (`endpoint(body=...)`).
WRITE_METHODS = ("POST", "PUT", "PATCH")
# What each path parameter can be. Anything else cannot name an object: a 404 before any lookup
# (a value past DynamoDB's key limits would make the lookup itself fail). `name` (the by-name
# upsert) is not here: its route validates it as the body's `name`, a 400.
PATH_SHAPES: dict[str, Callable[[str], bool]] = {
    **{param: functools.partial(ids.is_id, prefix)
       for param, prefix in ids.PATH_ID_PREFIXES.items()},
    "slug": is_slug,
    "token": ids.is_token,
    # Healthchecks routes `<int:exit_status>`: anything but 1-3 digits is no route (404); a
    # number above 255 is a 400 (`job_runs.parse_exit_status`).
    "exit_status": lambda value: value.isascii() and value.isdigit() and len(value) <= 3,
}

# Every route with its contract (method, path, scope, public, rate tier, status, body, query,
# returns, representation, errors, documented): the route table the OpenAPI document is
# generated from and the scope/tenant suites walk.
ROUTES: list[dict[str, Any]] = []


@dataclass
class Call:
    """One request, as a handler sees it."""
    request: Any
    principal: auth.Principal | None
    params: dict[str, str] = field(default_factory=dict)
    route: tuple[str, str] | None = None   # (method, path) as the route declares them
    representation: Any = None   # what the body may carry back (`endpoint(representation=)`)

    @property
    def account_id(self) -> str:
        assert self.principal is not None
        return self.principal.account_id

    @property
    def clock(self):
        return runtime.clock

    def query(self, name: str, default: str | None = None) -> str | None:
        values = self.query_all(name)
        return values[-1] if values else default

    def query_all(self, name: str) -> list[str]:
        params = self.request.query_params
        return list(params.getlist(name)) if params and name in params else []

    def id_query(self, name: str, prefix: str, kind: str) -> str | None:
        """An id query parameter (`?monitorId=`); 400 naming it if it cannot be such an id."""
        value = self.query(name) or None
        if value is not None and not ids.is_id(prefix, value):
            raise ValidationError.for_field(name, f"must be a {kind} id ({prefix}_...)")
        return value

    def json(self) -> Any:
        raw = self.request.raw_body or b""
        if not raw.strip():
            raise ValidationError("The request body must be a JSON object.",
                                  details=[{"field": "body", "message": "required"}])
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationError(f"Malformed JSON: {exc}",
                                  details=[{"field": "body", "message": "malformed JSON"}])
        except RecursionError:   # the parser gives up around 1,000 levels deep
            raise ValidationError("The request body is nested too deeply.",
                                  details=[{"field": "body", "message": "nested too deeply"}])

    def body(self, model: Any) -> Any:
        """The body parsed with a pydantic model; 400 with per-field details if bad."""
        return self.body_of(self.json(), model.model_validate)

    def body_of(self, data: Any, parse: Callable[[Any], Any]) -> Any:
        """`parse(data)`, with pydantic's errors turned into the 400 envelope.

        A tolerant reader where the body is an object's representation (create, replace,
        patch: `endpoint(representation=...)`): a client may send back what it read, so a name
        the representation shows but the body does not take (`id`, `status`, `createdAt`,
        `members.0.addedAt`, ...) is ignored, and an `id` must be the one in the path. Any
        other unknown name stays a 400 naming it."""
        representation = self.representation
        if representation is None:
            return parsed(data, parse)
        self._check_id(data)
        try:
            return parse(data)
        except pydantic.ValidationError as exc:
            read_only = [tuple(error["loc"]) for error in exc.errors(include_url=False)
                         if error["type"] == "extra_forbidden"
                         and contract.shows(representation, tuple(error["loc"]))]
            if not read_only:
                raise invalid(exc) from None
        return parsed(without(data, read_only), parse)

    def _check_id(self, data: Any) -> None:
        """The path's id (the last segment, `{monitor_id}`), if any, is the object's."""
        path = self.route[1] if self.route else ""
        match = re.search(r"{(\w+_id)}$", path)
        if match and isinstance(data, dict) and "id" in data \
                and data["id"] != self.params.get(match.group(1)):
            raise ValidationError.for_field(
                "id", f"must be {self.params.get(match.group(1))}, the id in the path (or omitted)")

    def time(self, name: str) -> datetime | None:
        """An ISO 8601 query parameter (a time without offset is UTC); 400 naming it if bad."""
        return parse_time(self.query(name), name)

    @contextmanager
    def charge(self, tier: str) -> Iterator[None]:
        """Count this request in `tier` (429 when it is full) for the work inside the block;
        the hit is given back if the block fails. For work a route does only sometimes (an
        upsert that creates)."""
        assert self.principal is not None
        meter = Meter()
        _count(self.principal, [ratelimits.scaled(ratelimits.TIERS[tier])], meter)
        try:
            yield
        except BaseException:
            meter.refund({})
            raise

    def shared_key(self) -> tuple:
        """Everything of this request a read's answer depends on besides the store: the
        account, the route, its path values and the query string (names sorted, each name's
        values in order). Reads of one key may share one answer (`kernel.collapse`); the
        key's scopes and limits are checked per request before."""
        params = self.request.query_params or {}
        return (self.account_id, self.route, tuple(sorted(self.params.items())),
                tuple(sorted((name, tuple(params.getlist(name))) for name in params)))

    def paging(self) -> tuple[int, int]:
        return parse_int(self.query("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT), \
            parse_int(self.query("offset"), "offset", 0, 0, 10**9)


def parsed(data: Any, parse: Callable[[Any], Any]) -> Any:
    """`parse(data)`, with pydantic's errors turned into the 400 envelope."""
    try:
        return parse(data)
    except pydantic.ValidationError as exc:
        raise invalid(exc) from None


def invalid(exc: pydantic.ValidationError) -> ValidationError:
    details = validation_details(exc)
    first = details[0] if details else {"field": "body", "message": "invalid"}
    return ValidationError(f"{first['field']}: {first['message']}", details=details)


def merge_patch(target: Any, patch: Any) -> Any:
    """JSON merge patch (RFC 7396): `patch`'s members replace `target`'s, objects merge member
    by member, and `null` removes a member."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = merge_patch(merged.get(name), value)
    return merged


def without(data: Any, locations: list[tuple]) -> Any:
    """A copy of `data` without the members at `locations` (key and index paths)."""
    data = copy.deepcopy(data)
    for *parents, last in locations:
        holder = data
        for part in parents:
            holder = holder[part]
        holder.pop(last, None)
    return data


def parse_int(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError.for_field(name, "must be an integer")
    if not low <= value <= high:
        raise ValidationError.for_field(name, f"must be between {low} and {high}")
    return value


def parse_time(raw: str | None, name: str) -> datetime | None:
    if raw is None or raw == "":
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace("z", "Z"))
    except ValueError:
        raise ValidationError.for_field(name, "must be an ISO 8601 date-time, "
                                              "e.g. 2026-03-24T10:00:00Z")
    return clamp_to_utc(value)


def page(items: list, limit: int, offset: int) -> dict:
    """The list envelope `{items, totalCount}` over an already filtered list."""
    return {"items": items[offset:offset + limit], "totalCount": len(items)}


def to_json(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    return encoded_response("" if body is None else to_json(body), status, headers)


def encoded_response(encoded: str, status: int = 200, headers: dict | None = None) -> Response:
    """A JSON answer already encoded (`to_json`): an answer shared by several callers is
    encoded once (`monitors.routes.list_monitors`); the endpoint adds each caller's headers."""
    return Response(body=encoded, status_code=status,
                    headers={"Content-Type": "application/json", **(headers or {})})


def error_response(error: EnoriError, headers: dict | None = None) -> Response:
    return json_response(error.body(), error.status, {**(headers or {}), **error.headers})


def check_body_size(request) -> None:
    if len(request.raw_body or b"") > MAX_BODY_BYTES:
        raise PayloadTooLargeError("The request body is larger than 1 MiB "
                                   f"({MAX_BODY_BYTES} bytes).")


def check_path(params: dict[str, str]) -> None:
    """NotFoundError for a path value that cannot name anything (see PATH_SHAPES)."""
    for name, value in params.items():
        fits = PATH_SHAPES.get(name)
        if fits is not None and not fits(value):
            raise NotFoundError(f"No such {name.replace('_', ' ')}.")


@dataclass
class Meter:
    """What one request counted: the usages behind its headers, and the hits of tiers that
    count successes only (`Tier.counts_successes`), to give back if the request fails."""
    usages: list[ratelimits.Usage] = field(default_factory=list)
    refundable: list[str] = field(default_factory=list)
    now: float = 0.0

    def refund(self, headers: dict) -> dict:
        """Give the refundable hits back; the headers as they stand after that."""
        if not self.refundable:
            return headers
        give_back(self.refundable)
        self.refundable = []
        self.usages = [replace(u, used=u.used - 1) if u.tier.counts_successes
                       and not u.exceeded else u for u in self.usages]
        return {**headers, **ratelimits.headers_for(self.usages, self.now)}


def enforce_rate_limits(principal: auth.Principal, method: str, tier: str | None,
                        meter: Meter | None = None) -> dict:
    """Count this request; the rate-limit headers, or RateLimitedError carrying them. `meter`
    records what was counted, so that a failed request can be refunded (`Meter.refund`)."""
    return _count(principal, ratelimits.tiers_for(method, tier), meter or Meter())


def _windows(principal: auth.Principal, tiers: list[ratelimits.Tier], now: float
             ) -> list[tuple[ratelimits.Tier, str, int]]:
    """Each tier with the counter of `principal`'s key in its window at `now` and when that
    window resets: what `_count` counts in, and what `_decided_in_memory` asks the leases."""
    starts = [(t, ratelimits.window_start(now, t)) for t in tiers]
    return [(t, ratelimits.bucket_key(principal.key_id, t, start), start + t.window_seconds)
            for t, start in starts]


def _count(principal: auth.Principal, tiers: list[ratelimits.Tier], meter: Meter) -> dict:
    now = meter.now = runtime.clock.time()
    for t, bucket, reset in _windows(principal, tiers, now):
        expires_at = datetime.fromtimestamp(reset + 60).astimezone()
        if t.name == ratelimits.READ_TIER:   # from this process's lease: most make no write
            used = rate_leases.leases.admit(bucket, t.limit, expires_at, now)
        else:   # counted one by one, exactly across processes (see `rate_leases`)
            used = rate_store.take_one(bucket, t.limit, expires_at)
            if used is not None and t.counts_successes:   # refundable
                meter.refundable.append(bucket)
        meter.usages.append(ratelimits.Usage(t, t.limit + 1 if used is None else used, reset))
    headers = ratelimits.headers_for(meter.usages, now)
    if "Retry-After" in headers:
        raise RateLimitedError(
            f"Rate limit exceeded: {headers['X-RateLimit-Limit']} requests per window for this "
            f"API key. Retry after {headers['Retry-After']} seconds.", headers=headers)
    return headers


# Reads whose count needs a write are counted while they run (see `start_count`); a few threads
# suffice, as each such count is one short UpdateItem.
_read_counts = ThreadPoolExecutor(max_workers=8, thread_name_prefix="rate-count")


def start_count(principal: auth.Principal, method: str, tier: str | None,
                meter: Meter) -> Callable[[], dict]:
    """Count this request; a function that returns its rate-limit headers (or raises
    RateLimitedError) once counted.

    Writes are counted before they run, as ever. A plain read (GET or HEAD, no tier of its own)
    is counted from the process's lease of the shared counter (`rate_leases`): when the lease
    decides it from memory (a hit held, or the window seen full), at once, so a read refused
    from memory does none of its work; when it takes a block (one atomic conditional
    UpdateItem), in parallel with the read's own work, so the write's wait does not add to the
    read's. Either way the limit stays exact across processes (no more than the limit of reads
    per key and window are ever answered). Counting in parallel is safe because a read changes
    nothing: the answer is sent only after the count, and a read past the limit gets its 429
    and its work is thrown away."""
    if tier is not None or method.upper() not in ("GET", "HEAD") \
            or _decided_in_memory(principal, method):
        headers = enforce_rate_limits(principal, method, tier, meter)
        return lambda: headers
    return _read_counts.submit(enforce_rate_limits, principal, method, tier, meter).result


def _decided_in_memory(principal: auth.Principal, method: str) -> bool:
    """Whether this process's leases can admit or refuse this plain read without a call."""
    now = runtime.clock.time()
    return all(rate_leases.leases.decided(bucket, t.limit, now)
               for t, bucket, _ in _windows(principal, ratelimits.tiers_for(method), now))


def settled(counted: Callable[[], dict]) -> tuple[dict, EnoriError | None]:
    """(the headers, None), or ({}, the error that refuses the request: a 429, or the envelope
    of a count that failed)."""
    try:
        return counted(), None
    except RateLimitedError as refused:
        return {}, refused
    except Exception:
        log.exception("counting a request failed")
        return {}, EnoriError("An unexpected error occurred.")


def give_back(buckets: list[str]) -> None:
    """Refund the hits of a request that did not do what its tier counts.

    Why refund rather than charge on success: the hit is taken before the work with the
    atomic conditional counter, so concurrent requests can never do more than the limit
    allows; charging afterwards would need a read before the work and could let an 11th
    create through. A failure gives the hit back, so only what succeeded stays counted."""
    for bucket in buckets:
        rate_store.give_back(bucket)


def presented_key(headers) -> str | None:
    """The API key of a request: X-API-Key, else `Authorization: Bearer <key>` (how Prometheus
    and most HTTP clients send a credential). X-API-Key wins when both are sent."""
    key = headers.get("x-api-key")
    if key:
        return key
    scheme, _, credential = (headers.get("authorization") or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credential.strip() or None


def endpoint(bp: Blueprint, path: str, methods: list[str] | str = "GET", *,
             scope: str | None = None, public: bool = False, rate: str | None = None,
             status: int = 200, content_types: list[str] | None = None,
             body: Any = None, query: list[dict] | tuple = (), returns: Any = None,
             representation: Any = None, errors: tuple[int, ...] = (),
             documented: bool = True) -> Callable:
    """Declare a route and its whole contract: `handler(call, **path_params)` returns a body,
    a Response or None.

    - `body`: the request body, a model (JSON) or a `contract.Body` (media types, example,
      optional); `contract.NO_BODY` for a write route that takes none. A POST, PUT or PATCH
      must say one or the other (tests/openapi fails naming it).
    - `query`: the query parameters (`contract.query(...)`, `contract.PAGING`, ...).
    - `returns`: the success body, a model or a `contract.Success` (media types, example,
      description); under `contract.STRICT` each JSON response is checked against it. Defaults
      to `representation`; a route that answers a body must declare it.
    - `representation`: the object a create/replace body may carry back (the tolerant reader:
      its read-only names are ignored, an `id` must be the path's).
    - `errors`: error statuses beyond what the document derives (path, query, body, auth).
    - `documented=False`: served but left out of the OpenAPI document (e.g. HTML pages)."""
    methods = [methods] if isinstance(methods, str) else list(methods)
    if not public and scope is None:
        raise ValueError(f"{path}: a private route needs a scope (use '*' for key management)")
    # A GET, HEAD or DELETE of a route that also takes a POST takes no body; HEAD and DELETE
    # answer none.
    entries = [{"method": method, "path": path, "scope": scope, "public": public, "rate": rate,
                "status": status,
                "body": contract.as_body(body) if method in WRITE_METHODS else None,
                "query": list(query),
                "returns": None if method in ("HEAD", "DELETE") else
                contract.as_success(returns if returns is not None else representation),
                "representation": representation, "errors": tuple(errors),
                "documented": documented} for method in methods]

    def _check_contract(method: str, response: Response) -> None:
        """A JSON success answer against the route's `returns` (tests only: `STRICT`)."""
        media = str((response.headers or {}).get("Content-Type", ""))
        if response.status_code < 300 and media.startswith(contract.JSON) and response.body:
            contract.check(next(e for e in entries if e["method"] == method),
                           json.loads(response.body))

    def decorate(handler: Callable) -> Callable:
        @functools.wraps(handler)
        def view(**params: str) -> Response:
            request = bp.current_request
            meter = Meter()
            counted: Callable[[], dict] = dict     # the rate-limit headers, once counted
            try:
                check_body_size(request)
                principal = None
                if not public:
                    principal = auth.authenticate(presented_key(request.headers))
                    counted = start_count(principal, request.method, rate, meter)
                    if not scopes.grants(principal.scopes, scope):
                        raise InsufficientScopeError(
                            f"This API key lacks the scope '{scope}' that this route needs.")
                check_path(params)
                call = Call(request, principal, params, route=(request.method, path),
                            representation=representation)
                result = handler(call, **params)
            except EnoriError as error:
                headers, refused = settled(counted)
                return error_response(refused or error, meter.refund(headers))
            except Exception:  # the envelope, never a stack trace, for the unexpected
                headers, refused = settled(counted)
                headers = meter.refund(headers)
                log.exception("unhandled error on %s %s", request.method, path)
                return error_response(refused or EnoriError("An unexpected error occurred."),
                                      headers)
            headers, refused = settled(counted)
            if refused is not None:
                return error_response(refused)
            if isinstance(result, Response):
                result.headers = {**headers, **(result.headers or {})}
            else:
                result = json_response(result, 204 if result is None else status, headers)
            if contract.STRICT:
                _check_contract(request.method, result)
            return result

        for entry in entries:
            ROUTES.append({**entry, "handler": handler.__name__})
        bp.route(path, methods=methods, content_types=content_types or BODY_TYPES)(view)
        return handler

    return decorate
