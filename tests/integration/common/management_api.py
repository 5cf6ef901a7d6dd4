"""requests against one PolyMQ broker's management API (python3-requests), shared by the
suites that drive or check the API."""

import requests


class Api:
    """requests against one broker's management API, as guest unless told."""

    def __init__(self, broker, user="guest", password="guest"):
        self.base = "http://127.0.0.1:%d/api" % broker.management_port
        self.session = requests.Session()
        self.session.auth = (user, password)

    def __call__(self, method, path, **kw):
        kw.setdefault("timeout", 30)
        return self.session.request(method, self.base + path, **kw)

    def get(self, path, **kw):
        return self("GET", path, **kw)

    def put(self, path, body=None, **kw):
        return self("PUT", path, json=body if body is not None else {}, **kw)

    def post(self, path, body=None, **kw):
        return self("POST", path, json=body if body is not None else {}, **kw)

    def delete(self, path, **kw):
        return self("DELETE", path, **kw)
