"""An in-process person for dashboard tests: chalice.test.Client with a cookie jar, sign-in by
link, and the CSRF token read from each page, as a browser would submit it."""
from __future__ import annotations

import re
from urllib.parse import urlencode

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Person:
    def __init__(self, client) -> None:
        self.client = client
        self.cookie = ""
        self.csrf = ""

    def request(self, method: str, path: str, form: dict | None = None, csrf: bool = True):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = b""
        if method == "POST":
            fields = dict(form or {})
            if csrf and self.csrf:
                fields.setdefault("csrf", self.csrf)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(fields, doseq=True).encode()
        response = self.client.http.request(method, path, headers=headers, body=body)
        response.text = response.body.decode() if response.body else ""
        response.headers = {k.lower(): v for k, v in response.headers.items()}
        cookie = response.headers.get("set-cookie")
        if cookie:
            self.cookie = cookie.split(";")[0]
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, form: dict | None = None, csrf: bool = True):
        return self.request("POST", path, form, csrf)

    def sign_in(self, account_id: str, role: str = "Owner", email: str | None = None):
        # One address per role: a link of someone already a member signs them in with the role
        # they have, not the link's (accounts/members.py).
        email = email or f"{role.lower()}@example.com"
        from chalicelib.kernel.runtime import runtime
        from chalicelib.web import sessions

        link = sessions.issue_link(account_id, email, role, runtime.clock.now())
        assert self.get(f"/signin/{link}").status_code == 200
        response = self.post("/signin", {"link": link}, csrf=False)
        assert response.status_code == 303, response.text
        self.get("/")
        return self


def sign_in(world: dict, role: str = "Owner", email: str | None = None) -> "Person":
    """A fresh session of `role` in the world's account (conftest.py's `world`)."""
    return Person(world["client"]).sign_in(world["account"], role, email)
