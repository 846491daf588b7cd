# The spec's "Code Examples → cURL" block, verbatim but for the base URL and the key.
# List all monitors
curl -H "X-API-Key: YOUR_API_KEY" \
https://api.enori.io/api/monitors
# Create a website monitor
curl -X POST https://api.enori.io/api/monitors \
-H "X-API-Key: YOUR_API_KEY" \
-H "Content-Type: application/json" \
-d '{
"name": "Production API",
"type": "Website",
"url": "https://api.example.com/health",
"intervalSeconds": 60,
"expectedStatusCode": 200,
"alertOnDown": true,
"alertOnRecovered": true
}'
# Pause a monitor
curl -X POST -H "X-API-Key: YOUR_API_KEY" \
https://api.enori.io/api/monitors/mon_abc123/pause
# Trigger an immediate check
curl -X POST -H "X-API-Key: YOUR_API_KEY" \
https://api.enori.io/api/monitors/mon_abc123/check
