def test_it_adds_an_index_a_newer_version_defines_to_an_existing_table(aws):
    from chalicelib.storage.monitors import MonitorItem
    from chalicelib.storage.tables import add_missing_indexes, create_tables

    client = MonitorItem._get_connection().connection.client
    name = MonitorItem.Meta.table_name
    client.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by_deadline"}}])
    before = {i["IndexName"] for i in client.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]}
    assert "by_deadline" not in before
    create_tables()
    after = {i["IndexName"] for i in client.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]}
    assert "by_deadline" in after
    assert add_missing_indexes(MonitorItem) == []


def test_a_create_resent_after_its_first_attempt_went_through_finishes_the_table(aws, monkeypatch):
    """botocore resends a CreateTable that outlived its read timeout; the resend finds the table
    the first attempt made. That is not a failure: the table gets its TTL and the start goes on."""
    from chalicelib.storage.tables import _create_or_update
    from chalicelib.storage.web_sessions import WebSessionItem

    client = WebSessionItem._get_connection().connection.client
    name = WebSessionItem.Meta.table_name
    ttl_name = WebSessionItem._ttl_attribute().attr_name
    client.update_time_to_live(TableName=name, TimeToLiveSpecification={
        "Enabled": False, "AttributeName": ttl_name})
    # The list said missing, and so does PynamoDB's own check inside create_table.
    monkeypatch.setattr(WebSessionItem, "exists", classmethod(lambda cls: False))
    _create_or_update(WebSessionItem, present=False)
    ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED" and ttl["AttributeName"] == ttl_name


def test_a_ttl_a_resent_call_already_turned_on_is_fine(aws, monkeypatch):
    from pynamodb.exceptions import TableError

    from chalicelib.storage.tables import _create_or_update
    from chalicelib.storage.web_sessions import WebSessionItem

    def already_on(cls, ignore_update_ttl_errors):
        raise TableError("Failed to update TTL on table: ... TimeToLive is already enabled")

    monkeypatch.setattr(WebSessionItem, "exists", classmethod(lambda cls: False))
    monkeypatch.setattr(WebSessionItem, "update_ttl", classmethod(already_on))
    _create_or_update(WebSessionItem, present=False)   # no error: the table is there, its TTL on


def test_a_start_lists_the_tables_once_instead_of_asking_for_each(aws):
    """A DescribeTable of a missing table costs DynamoDB Local 60-480 ms; one ListTables says
    which of the 27 tables there are. The tables that exist are described for their indexes."""
    from apitools import aws_calls

    from chalicelib.storage.monitors import MonitorItem
    from chalicelib.storage.tables import ALL_ITEMS, create_tables

    MonitorItem.delete_table()
    with aws_calls() as calls:
        create_tables()
    operations = list(calls)
    assert operations.count("ListTables") == 1
    assert operations.count("CreateTable") == 1
    assert operations.count("DescribeTable") <= len(ALL_ITEMS) + 1   # create's wait included
    assert MonitorItem.exists()
