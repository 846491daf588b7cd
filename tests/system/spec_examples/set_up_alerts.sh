# The spec's Quick Start "3. Set Up Alerts" cURL, verbatim but for the base URL and the key.
curl -X POST https://api.enori.io/api/alert-channels \
-H "X-API-Key: YOUR_API_KEY" \
-H "Content-Type: application/json" \
-d '{
"name": "My Webhook",
"type": "Webhook",
"webhookUrl": "https://your-server.com/webhook"
}'
