"""The OpenAPI document of the API, generated from the route table and the models."""
