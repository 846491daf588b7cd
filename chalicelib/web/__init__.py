"""The dashboard: server-rendered pages for people, on the same services as the API (ARCHITECTURE
§6's `web/` package). Sign-in links and sessions (`sessions`), roles mapped to the API's scopes
(`roles`), the page plumbing (`pages`), the views (`views_*`), templates and static assets."""
