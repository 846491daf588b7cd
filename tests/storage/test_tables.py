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
