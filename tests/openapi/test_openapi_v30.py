"""The OpenAPI 3.0.3 rendering of the 3.1 document (chalicelib/openapi/v30.py), rule by rule."""
from chalicelib.openapi.v30 import downgrade, schema

NULL = {"type": "null"}


def test_optional_values_become_nullable():
    assert schema({"anyOf": [{"type": "string", "format": "date-time"}, NULL], "title": "At",
                   "default": None}) == {"type": "string", "format": "date-time", "title": "At",
                                         "default": None, "nullable": True}
    assert schema({"type": ["integer", "null"], "minimum": 1}) == \
        {"type": "integer", "minimum": 1, "nullable": True}
    assert schema({"enum": ["a", "b", None]}) == {"enum": ["a", "b"], "nullable": True}


def test_an_optional_reference_is_wrapped_so_nullable_is_not_ignored():
    assert schema({"anyOf": [{"$ref": "#/components/schemas/Monitor"}, NULL]}) == \
        {"allOf": [{"$ref": "#/components/schemas/Monitor"}], "nullable": True}
    assert schema({"$ref": "#/components/schemas/Monitor", "description": "The monitor"}) == \
        {"allOf": [{"$ref": "#/components/schemas/Monitor"}], "description": "The monitor"}


def test_several_optional_kinds_keep_their_union():
    assert schema({"anyOf": [{"type": "string"}, {"type": "integer"}, NULL]}) == \
        {"anyOf": [{"type": "string"}, {"type": "integer"}], "nullable": True}
    assert schema({"type": ["string", "integer"]}) == \
        {"anyOf": [{"type": "string"}, {"type": "integer"}]}


def test_const_examples_and_numeric_exclusive_bounds_take_their_3_0_forms():
    assert schema({"type": "string", "const": "Website"}) == {"type": "string", "enum": ["Website"]}
    assert schema({"type": "integer", "examples": [60, 300]}) == {"type": "integer", "example": 60}
    assert schema({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 100}) == \
        {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 100,
         "exclusiveMaximum": True}


def test_nested_schemas_are_converted_but_property_names_are_not_keywords():
    converted = schema({"type": "object", "properties": {
        "const": {"type": ["string", "null"]},
        "tags": {"type": "array", "items": {"const": "x"}},
        "extra": {"type": "object", "additionalProperties": {"anyOf": [{"type": "string"}, NULL]}}}})
    assert converted["properties"]["const"] == {"type": "string", "nullable": True}
    assert converted["properties"]["tags"]["items"] == {"enum": ["x"]}
    assert converted["properties"]["extra"]["additionalProperties"] == \
        {"type": "string", "nullable": True}


def test_the_document_is_3_0_3_with_webhooks_as_an_extension_and_schemas_everywhere_converted():
    document = {
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {
            "parameters": [{"name": "q", "in": "query", "schema": {"type": ["string", "null"]}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"const": 1}, "example": {"const": 1}}}}}}}},
        "webhooks": {"hook": {"post": {"responses": {"200": {"description": "ok"}}}}},
        "components": {"schemas": {"A": {"anyOf": [{"type": "string"}, NULL]}}},
    }
    converted = downgrade(document)
    assert converted["openapi"] == "3.0.3" and "webhooks" not in converted
    assert converted["x-webhooks"] == document["webhooks"]
    get = converted["paths"]["/x"]["get"]
    assert get["parameters"][0]["schema"] == {"type": "string", "nullable": True}
    media = get["responses"]["200"]["content"]["application/json"]
    assert media["schema"] == {"enum": [1]} and media["example"] == {"const": 1}  # data untouched
    assert converted["components"]["schemas"]["A"] == {"type": "string", "nullable": True}
    assert document["openapi"] == "3.1.0"  # the input is not modified
