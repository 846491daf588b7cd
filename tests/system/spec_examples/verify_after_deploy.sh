# The "Verify monitors after deploy" step of the spec's GitHub Actions example (its `run:` block).
sleep 30
RESPONSE=$(curl -s -H "X-API-Key: $ENORI_KEY" \
  "https://api.enori.io/api/monitors?tag=production")
echo "$RESPONSE" | jq '.items[] | "\(.name): \(.status)"'
DOWN=$(echo "$RESPONSE" | jq '[.items[] | select(.status == "Down")] | length')
if [ "$DOWN" -gt 0 ]; then
  echo "::error::$DOWN production monitors are down!"
  exit 1
fi
