# The spec's "Code Examples → Python" block (indentation restored; the rendered docs lost it).
import requests

API_KEY = "YOUR_API_KEY"
BASE = "https://api.enori.io"
HEADERS = {"X-API-Key": API_KEY, "Content-Type": "application/json"}

# Create a monitor
monitor = requests.post(f"{BASE}/api/monitors", headers=HEADERS, json={
    "name": "Staging API",
    "type": "Website",
    "url": "https://staging.example.com",
    "intervalSeconds": 300,
    "expectedStatusCode": 200,
}).json()
print(f"Created monitor: {monitor['id']}")

# List all monitors
data = requests.get(f"{BASE}/api/monitors", headers=HEADERS).json()
for m in data["items"]:
    print(f"  {m['name']}: {m['status']} ({m['uptimePercentage']:.2f}%)")

# Get recent incidents
incidents = requests.get(
    f"{BASE}/api/incidents/recent", headers=HEADERS
).json()
for inc in incidents:
    print(f"  [{inc['status']}] {inc['title']}")
