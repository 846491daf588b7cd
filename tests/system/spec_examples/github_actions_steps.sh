# The `run:` steps of the spec's "Example: GitHub Actions" (Nightly Build), as the runner would
# execute them: start, the build, then success or failure. `${{ secrets.ENORI_TOKEN }}` is
# YOUR_TOKEN here.
set -e
curl -fsS https://api.enori.io/ping/YOUR_TOKEN/start
if (npm ci && npm run build); then
  curl -fsS https://api.enori.io/ping/YOUR_TOKEN
else
  curl -fsS https://api.enori.io/ping/YOUR_TOKEN/fail
fi
