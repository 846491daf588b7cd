"""The README's webhook verification snippet verifies what Enori actually signs."""
import re
import time
from pathlib import Path

from chalicelib.channels.kinds.webhook import sign

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_verify():
    block = re.search(r"```python\n(import base64.*?)```", README.read_text(), re.S).group(1)
    namespace: dict = {}
    exec(block, namespace)
    return namespace["verify"]


def test_the_readme_snippet_accepts_an_enori_signature_and_refuses_a_forgery():
    verify = readme_verify()
    body, ts = b'{"event":"monitor.down"}', int(time.time())
    for secret in ("plain-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"):
        headers = {"webhook-id": "alr_1", "webhook-timestamp": str(ts),
                   "webhook-signature": sign(secret, "alr_1", ts, body)}
        assert verify(secret, headers, body)
        assert not verify(secret, headers, body + b" ")
        assert not verify("other", headers, body)
