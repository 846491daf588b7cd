#!/bin/bash
# The spec's "Example: Shell Cron Job", verbatim but for the base URL and the token.
# Notify Enori the job has started
curl -fsS -m 10 https://api.enori.io/ping/YOUR_TOKEN/start
# Run the actual job
/usr/bin/backup-database.sh
# Report success or failure based on exit code
if [ $? -eq 0 ]; then
curl -fsS -m 10 https://api.enori.io/ping/YOUR_TOKEN
else
curl -fsS -m 10 https://api.enori.io/ping/YOUR_TOKEN/fail
fi
