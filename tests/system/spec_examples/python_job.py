# The spec's "Example: Python Script" (indentation restored; the rendered docs lost it).
import requests
import sys

TOKEN = "YOUR_TOKEN"
BASE = "https://api.enori.io/ping"

# Signal start
requests.get(f"{BASE}/{TOKEN}/start", timeout=10)

try:
    # Your job logic here
    run_etl_pipeline()
    requests.get(f"{BASE}/{TOKEN}", timeout=10)
except Exception:
    requests.get(f"{BASE}/{TOKEN}/fail", timeout=10)
    sys.exit(1)
