"""The Python side of tests/e2e/test_encryption_python.sh: the official
Python SDK (PyPI inngest) with the official encryption middleware (PyPI
inngest_encryption), at the versions requirements.txt pins.

  python python_client.py send EVENT_API_URL KEY < event.json
      sends the event through an inngest.Inngest client that carries the
      middleware (its before_send_events hook seals data.encrypted); prints
      the ids the Event API gave
  python python_client.py step KEY [FALLBACK] < value.json
      prints memoized step data as the middleware hands it to a Python
      function (what transform_input does to each step memo)
  python python_client.py open KEY < event.json
      prints an event's data as a Python function would see it (what
      transform_input does to ctx.event.data)
"""

import json
import sys

import inngest
from inngest_encryption import EncryptionMiddleware


def middleware(client, key, fallbacks=None):
    return EncryptionMiddleware(client, None, key, fallback_decryption_keys=fallbacks or None)


def main():
    mode = sys.argv[1]
    if mode == "send":
        url, key = sys.argv[2], sys.argv[3]
        event = json.load(sys.stdin)
        client = inngest.Inngest(
            app_id="enc-python-sender",
            is_production=False,
            event_api_base_url=url,
            api_base_url=url,
            event_key="any-key",
            middleware=[EncryptionMiddleware.factory(key)],
        )
        ids = client.send_sync(inngest.Event(name=event["name"], data=event.get("data", {})))
        json.dump(ids, sys.stdout)
    elif mode == "step":
        key = sys.argv[2]
        fallbacks = sys.argv[3:]
        client = inngest.Inngest(app_id="enc-python-reader", is_production=False)
        # transform_input opens each memo's data with _decrypt; call it the same way
        json.dump(middleware(client, key, fallbacks)._decrypt(json.load(sys.stdin)), sys.stdout)
    elif mode == "open":
        key = sys.argv[2]
        client = inngest.Inngest(app_id="enc-python-reader", is_production=False)
        event = json.load(sys.stdin)
        json.dump(middleware(client, key)._decrypt_event_data(event.get("data", {})), sys.stdout)
    else:
        raise SystemExit(f"unknown mode {mode}")
    sys.stdout.write("\n")


main()
