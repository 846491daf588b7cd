"""The domain errors share one constructor and one way to name the field a request got wrong."""
import pytest

from chalicelib.kernel.errors import (ConflictError, EnoriError, InvalidReferenceError,
                                      NotFoundError, ValidationError)


@pytest.mark.parametrize("error_class, code", [
    (ValidationError, "VALIDATION_ERROR"), (InvalidReferenceError, "INVALID_REFERENCE"),
    (ConflictError, "CONFLICT"),
])
def test_an_error_about_one_field_names_it_in_the_envelope(error_class, code):
    error = error_class.for_field("alertChannelIds[0]", "no such channel")
    assert isinstance(error, error_class)
    assert error.body() == {"error": error_class.title, "code": code,
                            "message": "alertChannelIds[0]: no such channel",
                            "details": [{"field": "alertChannelIds[0]",
                                         "message": "no such channel"}]}


def test_every_error_class_builds_through_the_one_constructor():
    own_constructors = {c.__name__ for c in EnoriError.__subclasses__() if "__init__" in vars(c)}
    assert own_constructors == {"ProtocolError"}    # its status is the server's, not the class's
    error = NotFoundError(headers={"Retry-After": "5"})
    assert (error.message, error.headers, error.status) == ("Not found", {"Retry-After": "5"}, 404)
    assert error.body() == {"error": "Not found", "message": "Not found", "code": "NOT_FOUND"}
