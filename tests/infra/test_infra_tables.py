"""Every PynamoDB model has its table, as the model defines it: keys, indexes, TTL — and
point-in-time recovery, on-demand billing."""
import pytest
from aws_cdk.assertions import Match, Template

from chalicelib.kernel.settings import settings
from chalicelib.storage.tables import ALL_ITEMS


def deployed_name(model) -> str:
    # The test process has its own stage; the synthesized one is "citest".
    return "enori-citest-" + model.Meta.table_name[len(settings.resource_prefix) + 1:]


@pytest.mark.parametrize("model", ALL_ITEMS, ids=lambda m: m.__name__)
def test_it_defines_the_table_of_every_model(home_template, model):
    schema = model._get_schema()
    expected = {
        "TableName": deployed_name(model),
        "BillingMode": "PAY_PER_REQUEST",
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "KeySchema": Match.array_equals(sorted(schema["key_schema"], key=lambda k: k["KeyType"])),
    }
    Template.from_json(home_template).has_resource_properties("AWS::DynamoDB::Table", expected)
    table = next(r["Properties"] for r in home_template["Resources"].values()
                 if r["Type"] == "AWS::DynamoDB::Table"
                 and r["Properties"]["TableName"] == deployed_name(model))
    assert sorted(i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])) == \
        sorted(i["index_name"] for i in schema["global_secondary_indexes"])
    assert sorted(i["IndexName"] for i in table.get("LocalSecondaryIndexes", [])) == \
        sorted(i["index_name"] for i in schema["local_secondary_indexes"])
    ttl = [a.attr_name for a in model.get_attributes().values()
           if type(a).__name__ == "TTLAttribute"]
    if ttl:
        assert table["TimeToLiveSpecification"] == {"AttributeName": ttl[0], "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in table


def test_it_has_no_table_that_no_model_defines(home_template):
    names = {r["Properties"]["TableName"] for r in home_template["Resources"].values()
             if r["Type"] == "AWS::DynamoDB::Table"}
    assert names == {deployed_name(m) for m in ALL_ITEMS}
