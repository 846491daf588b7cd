"""DynamoDB tables, derived from the PynamoDB models (`chalicelib.storage.tables.ALL_ITEMS`).

Nothing here is written by hand: keys, attribute types, global and local indexes and the TTL
attribute come from each model's schema, so a new model or index appears in the stack as soon as
it is added to `ALL_ITEMS`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct


@dataclass(frozen=True)
class TableSpec:
    model: type
    name: str                       # full table name, e.g. enori-dev-monitors
    key_schema: list[dict]
    attributes: list[dict]          # every attribute a key (of table or index) uses
    global_indexes: list[dict] = field(default_factory=list)
    local_indexes: list[dict] = field(default_factory=list)
    ttl_attribute: str | None = None


def ttl_attribute_of(model: type) -> str | None:
    from pynamodb.attributes import TTLAttribute

    names = [a.attr_name for a in model.get_attributes().values() if isinstance(a, TTLAttribute)]
    return names[0] if names else None


def table_spec(model: type) -> TableSpec:
    schema = model._get_schema()
    attributes = {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}
    for index in schema["global_secondary_indexes"] + schema["local_secondary_indexes"]:
        for a in index.get("attribute_definitions", []):
            attributes[a["AttributeName"]] = a["AttributeType"]
    return TableSpec(
        model=model, name=model.Meta.table_name,
        key_schema=sorted(schema["key_schema"], key=lambda k: k["KeyType"]),  # HASH before RANGE
        attributes=[{"AttributeName": n, "AttributeType": t} for n, t in sorted(attributes.items())],
        global_indexes=schema["global_secondary_indexes"],
        local_indexes=schema["local_secondary_indexes"],
        ttl_attribute=ttl_attribute_of(model))


def all_table_specs() -> list[TableSpec]:
    from chalicelib.storage.tables import ALL_ITEMS

    return [table_spec(model) for model in ALL_ITEMS]


def _index(index: dict) -> dynamodb.CfnTable.GlobalSecondaryIndexProperty:
    projection = index["projection"]
    return dict(
        index_name=index["index_name"],
        key_schema=[dynamodb.CfnTable.KeySchemaProperty(attribute_name=k["AttributeName"],
                                                        key_type=k["KeyType"])
                    for k in sorted(index["key_schema"], key=lambda k: k["KeyType"])],
        projection=dynamodb.CfnTable.ProjectionProperty(
            projection_type=projection["ProjectionType"],
            non_key_attributes=projection.get("NonKeyAttributes")))


def add_table(scope: Construct, spec: TableSpec, retain: bool) -> dynamodb.CfnTable:
    """One table: on-demand, point-in-time recovery, TTL when the model has one."""
    table = dynamodb.CfnTable(
        scope, spec.model.__name__,
        table_name=spec.name,
        billing_mode="PAY_PER_REQUEST",
        key_schema=[dynamodb.CfnTable.KeySchemaProperty(attribute_name=k["AttributeName"],
                                                        key_type=k["KeyType"])
                    for k in spec.key_schema],
        attribute_definitions=[dynamodb.CfnTable.AttributeDefinitionProperty(
            attribute_name=a["AttributeName"], attribute_type=a["AttributeType"])
            for a in spec.attributes],
        global_secondary_indexes=[dynamodb.CfnTable.GlobalSecondaryIndexProperty(**_index(i))
                                  for i in spec.global_indexes] or None,
        local_secondary_indexes=[dynamodb.CfnTable.LocalSecondaryIndexProperty(**_index(i))
                                 for i in spec.local_indexes] or None,
        point_in_time_recovery_specification=dynamodb.CfnTable.PointInTimeRecoverySpecificationProperty(
            point_in_time_recovery_enabled=True),
        sse_specification=dynamodb.CfnTable.SSESpecificationProperty(sse_enabled=True),
        time_to_live_specification=dynamodb.CfnTable.TimeToLiveSpecificationProperty(
            attribute_name=spec.ttl_attribute, enabled=True) if spec.ttl_attribute else None,
    )
    # Data outlives a mistaken `cdk destroy` in production; a dev stage cleans up after itself.
    table.apply_removal_policy(RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY)
    return table
