"""Examples for the OpenAPI document, as the spec (spec/enori-api-docs.txt) writes them."""

MONITOR_CREATE = {
    "name": "Production API",
    "type": "Website",
    "url": "https://api.example.com",
    "intervalSeconds": 60,
    "timeoutSeconds": 30,
    "httpMethod": "GET",
    "expectedStatusCode": 200,
    "failureThreshold": 2,
    "alertOnDown": True,
    "alertOnRecovered": True,
    "alertChannelIds": ["ch_abc123"],
    "regions": ["UsEast", "EuWest"],
    "tags": ["production", "api"],
}

MONITOR_LIST = {
    "items": [{
        "id": "mon_abc123",
        "name": "Production API",
        "type": "Website",
        "url": "https://api.example.com",
        "status": "Up",
        "uptimePercentage": 99.95,
        "lastCheckedAt": "2026-03-24T10:30:00Z",
        "intervalSeconds": 60,
        "tags": [],
        "groupName": None,
        "regions": ["UsEast"],
    }],
    "totalCount": 1,
}

KEY_CREATE = {"name": "CI/CD Pipeline", "scopes": ["monitors:read", "monitors:write"]}

CHANNEL_CREATE = {"name": "My Webhook", "type": "Webhook",
                  "webhookUrl": "https://your-server.com/webhook"}

WEBHOOK_PAYLOAD = {
    "event": "monitor.down",
    "monitor": {"id": "mon_abc123", "name": "Production API", "url": "https://api.example.com",
                "type": "Website"},
    "alert": {"type": "Down", "message": "HTTP 503 Service Unavailable",
              "timestamp": "2026-03-24T14:30:00Z", "responseTimeMs": 5230},
}

WEBHOOK_INCIDENT_PAYLOAD = {
    "event": "incident.created",
    "monitor": {"id": "mon_abc123", "name": "Production API", "url": "https://api.example.com",
                "type": "Website"},
    "alert": {"type": "IncidentCreated",
              "message": "Production API is down: HTTP 503 Service Unavailable",
              "timestamp": "2026-03-24T14:30:00Z", "responseTimeMs": None},
    "incident": {"id": "inc_abc123",
                 "title": "Production API is down: HTTP 503 Service Unavailable",
                 "status": "Open", "severity": None, "cause": "HTTP 503 Service Unavailable",
                 "monitorId": "mon_abc123", "monitorName": "Production API",
                 "startedAt": "2026-03-24T14:30:00Z", "acknowledgedAt": None,
                 "resolvedAt": None, "durationSeconds": 0},
}

# A test alert (POST /api/alert-channels/{id}/test): its own event name.
WEBHOOK_TEST_PAYLOAD = {
    "event": "test",
    "monitor": {"id": "mon_test", "name": "Enori test monitor", "url": "https://example.com",
                "type": "Website"},
    "alert": {"type": "Test", "message": "[TEST] This is a test alert from Enori",
              "timestamp": "2026-03-24T14:30:00Z", "responseTimeMs": None},
    "test": True,
}

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
