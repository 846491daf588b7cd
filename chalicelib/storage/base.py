"""Shared PynamoDB plumbing: table metadata from settings, reads that treat an empty key as
missing, and conditional writes that answer False when their condition failed."""
from __future__ import annotations

import functools
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import botocore.parsers
import botocore.session
import pynamodb.connection.base
from pynamodb.constants import NULL
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.pagination import ResultIterator

from chalicelib.kernel.settings import settings
from chalicelib.kernel.write_clock import write_clock
from chalicelib.storage.transactions import shared_connection

_thread_sessions = threading.local()


def botocore_session_of_this_thread() -> botocore.session.Session:
    """One botocore session per thread, shared by every table's client.

    PynamoDB builds each model's client from a session of its own (per model and thread), and a
    fresh session loads botocore's service models again: 115 ms of CPU per client against 17 ms
    from a session that already has them, so 3.1 s against 0.5 s for the 27 tables, in every
    Lambda cold start, every API worker and every local stack's start. Sessions stay per
    thread, as botocore asks (building clients from one session in several threads at once is
    not safe)."""
    session = getattr(_thread_sessions, "session", None)
    if session is None:
        session = _thread_sessions.session = botocore.session.get_session()
        session.register_component("response_parser_factory", _ReadParserFactory())
        session.register("before-parameter-build.dynamodb", _note_a_write)
        session.register("after-call.dynamodb", _tick_after_a_write)
    return session


# The calls that change items: each ticks the write clock once DynamoDB has answered it.
_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                     "TransactWriteItems"})
# Written without a tick: the per-key rate counters (`storage.rate_limits`). No shared read
# (`kernel.collapse`) reads them: a request's rate-limit headers are its own, outside the shared
# answer. And the GETs that poll a list take their leases there, a write every few dozen
# requests: ticking for them would keep the very lists they limit from ever sharing a read.
_UNTICKED_TABLES = frozenset({settings.table_name("rate-limits")})


def _note_a_write(params: dict, model: Any, context: dict, **_: Any) -> None:
    """Before each DynamoDB call is built: whether it writes a table whose writes tick
    (`_tick_after_a_write` reads the note from the same call's context)."""
    if model.name in _WRITES:
        context["enori_ticks"] = not _UNTICKED_TABLES.issuperset(_tables_written(params))


def _tables_written(params: dict) -> set[str]:
    if "TableName" in params:
        return {params["TableName"]}
    if "RequestItems" in params:                       # BatchWriteItem
        return set(params["RequestItems"])
    return {operation["TableName"] for item in params.get("TransactItems", [])
            for operation in item.values()}


def _tick_after_a_write(context: dict, **_: Any) -> None:
    """After each DynamoDB call of this process that wrote (errors included: a refused write
    ticks for nothing, which only costs a collapsed read its sharing): `write_clock` ticks."""
    if context.get("enori_ticks"):
        write_clock.tick()


# The read answers whose body is taken as DynamoDB sent it (see `_ReadParser`).
_READ_OUTPUTS = frozenset({"GetItemOutput", "QueryOutput", "BatchGetItemOutput"})
# DynamoDB's JSON for binary values (base64 on the wire, bytes once botocore has parsed them).
_BINARY_TAGS = (b'"B":', b'"BS":')


class _ReadParser(botocore.parsers.JSONParser):
    """botocore's parser for DynamoDB's answers, but a read's body (GetItem, Query,
    BatchGetItem) taken as `json.loads` gives it: botocore walks every attribute value of every
    item through the output shape (AttributeValue is a tagged union) only to give back the same
    dicts and strings, about a fifth of the API's CPU for the monitor list at 20 clients (E20).
    A body with a binary value (bytes after botocore's walk) and every other answer, errors
    included, are parsed by botocore as before."""

    def _handle_json_body(self, raw_body, shape):
        if shape is not None and shape.name in _READ_OUTPUTS \
                and not any(tag in raw_body for tag in _BINARY_TAGS):
            return self._parse_body_as_json(raw_body)
        return super()._handle_json_body(raw_body, shape)


class _ReadParserFactory(botocore.parsers.ResponseParserFactory):
    """The session's parsers: `_ReadParser` for the JSON protocol (DynamoDB's), botocore's own
    for any other. The session is PynamoDB's only (`botocore_session_of_this_thread`)."""

    def create_parser(self, protocol_name):
        if protocol_name == "json":
            return _ReadParser(**self._defaults)
        return super().create_parser(protocol_name)


# PynamoDB has no setting for the session its connections use; it calls this module global.
pynamodb.connection.base.get_session = botocore_session_of_this_thread


def table_meta(name: str) -> type:
    """A PynamoDB `Meta` for the table `name` of this stage."""

    class Meta:
        table_name = settings.table_name(name)
        region = settings.aws_region
        host = settings.dynamodb_endpoint
        billing_mode = "PAY_PER_REQUEST"
        # Fail fast rather than hang a request on a stuck connection.
        connect_timeout_seconds = 5
        read_timeout_seconds = settings.dynamodb_read_timeout_seconds
        max_retry_attempts = 3

    return Meta


def index_meta(name: str) -> type:
    """A PynamoDB index `Meta` projecting every attribute."""
    from pynamodb.indexes import AllProjection

    class Meta:
        index_name = name
        projection = AllProjection()

    return Meta


def get_or_none(model: Any, hash_key: str, range_key: str | None = None) -> Any:
    """The item under this key (a consistent read), or None.

    An empty string names nothing: DynamoDB refuses it as a key value with a ValidationException
    (moto does not), so a body's `"monitorId": ""` must not reach a GetItem as a 500.
    """
    if hash_key == "" or range_key == "":
        return None
    try:
        return model.get(hash_key, range_key, consistent_read=True)
    except model.DoesNotExist:
        return None


CONDITION_FAILED = "ConditionalCheckFailedException"


def _condition_held(write: Callable[[], Any], error: type) -> bool:
    try:
        write()
    except error as exc:
        if exc.cause_response_code == CONDITION_FAILED:
            return False
        raise
    return True


def update_if(item: Any, actions: list, condition: Any) -> bool:
    """`item.update(actions, condition)`; False, with nothing written, when the condition
    failed (another writer came first, or the item is gone). Any other error raises."""
    return _condition_held(lambda: item.update(actions=actions, condition=condition), UpdateError)


def save_if(item: Any, condition: Any) -> bool:
    """`item.save(condition)`; False, with nothing written, when the condition failed (for a
    `does_not_exist()` condition: the item was already there)."""
    return _condition_held(lambda: item.save(condition=condition), PutError)


def delete_if(item: Any, condition: Any) -> bool:
    """`item.delete(condition)`; False, with nothing deleted, when the condition failed."""
    return _condition_held(lambda: item.delete(condition=condition), DeleteError)


def oldest_first(model: Any, account_id: str, id_attribute: Any) -> list:
    """All of an account's items in a table keyed (account_id, id), oldest first, ties by id:
    one consistent Query on the partition."""
    id_name = id_attribute.attr_name
    return sorted(model.query(account_id, consistent_read=True),
                  key=lambda item: (item.created_at, getattr(item, id_name)))


def get_many(model: Any, account_id: str, id_attribute: Any, ids: Iterable[str]) -> list:
    """The items of `ids` that exist in the account, in the order asked (one BatchGetItem;
    missing, repeated and empty ids are left out)."""
    wanted = [i for i in dict.fromkeys(ids) if i]
    if not wanted:
        return []
    id_name = id_attribute.attr_name
    found = {getattr(item, id_name): item
             for item in model.batch_get([(account_id, i) for i in wanted], consistent_read=True)}
    return [found[i] for i in wanted if i in found]


@dataclass(frozen=True)
class BatchRead:
    """What `batch_get_across` reads of one table: the items of `keys` ((hash, range) pairs,
    or (hash,) for a table without a range key) of `model`, consistently, with only
    `attributes` (stored names; None: all)."""
    model: Any
    keys: list[tuple[str, ...]]
    attributes: list[str] | None = None


BATCH_GET_KEYS = 100   # DynamoDB's limit per BatchGetItem, over all its tables


def batch_get_across(reads: list[BatchRead]) -> list[list]:
    """The items found of each read, from ONE BatchGetItem per 100 keys over all their tables
    (where `Model.batch_get` makes one per table), unprocessed keys asked again, each item
    built by `read_item`. Projected items are for reading only: never saved."""
    keyed = [(read, key) for read in reads for key in dict.fromkeys(read.keys)]
    found: dict[str, list] = {read.model.Meta.table_name: [] for read in reads}
    for start in range(0, len(keyed), BATCH_GET_KEYS):
        asked = _request_items(keyed[start:start + BATCH_GET_KEYS])
        while asked:
            answer = shared_connection().dispatch("BatchGetItem", {"RequestItems": asked})
            for table, items in answer.get("Responses", {}).items():
                found[table] += items
            asked = answer.get("UnprocessedKeys") or {}
    return [[read_item(read.model, raw) for raw in found[read.model.Meta.table_name]]
            for read in reads]


def read_item(model: Any, raw: dict[str, dict[str, Any]]) -> Any:
    """`model.from_raw_data(raw)`, the same item (same `attribute_values`, a real `model`), at
    about a third of its CPU: PynamoDB sets every attribute's default twice and each value
    through its descriptor, ~47 us a monitor, ~31 us a job state; the monitor list builds 150
    such items a read, and at 20 clients its reads' CPU is most of a list's (E20)."""
    plan = _reading_plan(model)
    if plan is None:
        return model.from_raw_data(raw)
    defaults, fields = plan
    values = {}
    for name, default in defaults:
        value = default() if callable(default) else default
        if value is not None:
            values[name] = value
    for name, stored_name, attribute in fields:
        stored = raw.get(stored_name)
        if stored and NULL not in stored:
            values[name] = attribute.deserialize(attribute.get_value(stored))
    item = model.__new__(model)
    item.attribute_values = values
    return item


@functools.cache
def _reading_plan(model: Any) -> tuple[list, list] | None:
    """What `read_item` does for `model`, as `AttributeContainer._container_deserialize`
    does it: the defaults (`Attribute.default`, not `default_for_new`: a stored item), then
    each stored value that is not NULL, deserialized, by Python name. None for a model with a
    discriminator (a subclass per item): `from_raw_data` itself."""
    if model._get_discriminator_attribute() is not None:
        return None
    attributes = model.get_attributes()
    return ([(name, a.default) for name, a in attributes.items() if a.default is not None],
            [(name, a.attr_name, a) for name, a in attributes.items()])


def query_items(model: Any, hash_key: str, *, consistent_read: bool = False,
                attributes_to_get: list[str] | None = None) -> list:
    """`list(model.query(hash_key, consistent_read=..., attributes_to_get=...))`, every page,
    each item built by `read_item`."""
    return list(ResultIterator(
        model._get_connection().query, (model._serialize_keys(hash_key)[0],),
        {"consistent_read": consistent_read, "attributes_to_get": attributes_to_get},
        map_fn=functools.partial(read_item, model)))


def _request_items(keyed: list[tuple[BatchRead, tuple[str, ...]]]) -> dict:
    """BatchGetItem's RequestItems for these (read, key) pairs: per table, its keys in
    DynamoDB's JSON, consistent, with its projection."""
    requests: dict[str, dict] = {}
    for read, key in keyed:
        table = read.model.Meta.table_name
        if table not in requests:
            requests[table] = {"Keys": [], "ConsistentRead": True}
            if read.attributes is not None:
                names = {f"#a{i}": name for i, name in enumerate(read.attributes)}
                requests[table].update(ProjectionExpression=", ".join(names),
                                       ExpressionAttributeNames=names)
        requests[table]["Keys"].append(
            {attribute.attr_name: {attribute.attr_type: attribute.serialize(value)}
             for attribute, value in zip(_key_attributes(read.model), key)})
    return requests


def _key_attributes(model: Any) -> list:
    """The model's hash key attribute, then its range key attribute if it has one."""
    attributes = model.get_attributes().values()
    return [a for a in attributes if a.is_hash_key] + [a for a in attributes if a.is_range_key]


def hash_shard(item_id: str, shards: int) -> int:
    """The shard (0 .. shards - 1) of an item on a sharded index: a stable hash of its id (the
    same in every process and release), so a busy index key is spread over `shards` partitions."""
    return zlib.crc32(item_id.encode()) % shards


def shard_key(prefix: str, item_id: str, shards: int) -> str:
    """An item's key on a sharded index: "<prefix>#<its hash_shard>"."""
    return f"{prefix}#{hash_shard(item_id, shards)}"


def shard_keys(prefix: str, shards: int, legacy: Iterable[str] = ()) -> list[str]:
    """Every key of a sharded index, "<prefix>#0" .. "<prefix>#<shards - 1>", then the `legacy`
    keys items carried before the index was sharded (swept until no item carries them)."""
    return [f"{prefix}#{shard}" for shard in range(shards)] + list(legacy)


def query_each_shard(index: Any, keys: Iterable[str], range_condition: Any, limit: int) -> list:
    """The items of every key of a sharded `index` whose range key meets `range_condition`, at
    most `limit` per key: one Query per key, never a Scan."""
    return [item for key in keys for item in index.query(key, range_condition, limit=limit)]
