"""The dashboard over the Flask test client, addressed by Host: the API's (and dashboard's)
own address or the content origin; and a signed-in page's CSRF token."""

import re

HOST = "127.0.0.1:3001"  # the API's (and dashboard's) address in the test settings
CONTENT_HOST = "localhost:3001"  # the content origin: course code runs there


def get(client, path, host=HOST, **kw):
    return client.get(path, headers={"Host": host, **kw.pop("headers", {})}, **kw)


def post(client, path, host=HOST, **kw):
    return client.post(path, headers={"Host": host, **kw.pop("headers", {})}, **kw)


def csrf_of(client) -> str:
    page = get(client, "/dashboard/packages").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
