"""Examples of the error envelope for the OpenAPI document, as the spec
(spec/enori-api-docs.txt) writes them. A route's own examples sit at its route.
"""

ERROR = {
    "error": "Monitor limit exceeded",
    "message": "Your Base plan allows 10 monitors. Upgrade to Pro for up to 50.",
    "code": "PLAN_LIMIT_EXCEEDED",
}

VALIDATION_ERROR = {
    "error": "Invalid request",
    "message": "intervalSeconds: Input should be greater than or equal to 30",
    "code": "VALIDATION_ERROR",
    "details": [{"field": "intervalSeconds",
                 "message": "Input should be greater than or equal to 30"}],
}
