"""List endpoints that page as the vendors document (names, defaults, maximum page sizes).

Each `make_*` returns (App, the ids in order). Sizes above a documented maximum are refused with
400 where the vendor refuses them and silently capped where the vendor caps them (GitHub).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

from tests.paging_servers.server import App, Reply, Request


def _ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{i:05d}" for i in range(count)]


def _token(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"at": position}).encode()).decode()


def _position(token: str | None) -> int:
    return int(json.loads(base64.urlsafe_b64decode(token))["at"]) if token else 0


def _size(request: Request, name: str, default: int, maximum: int, *, cap: bool = False) -> int:
    size = int(request.arg(name) or default)
    if size > maximum and not cap:
        raise _TooLarge(name, maximum)
    return max(1, min(size, maximum))


class _TooLarge(Exception):
    def __init__(self, name: str, maximum: int) -> None:
        self.reply: Reply = (400, {"error": f"{name} must be at most {maximum}"}, {})


def _guarded(app: App) -> App:
    def run(request: Request) -> Reply:
        try:
            return app(request)
        except _TooLarge as exc:
            return exc.reply

    return run


def make_stripe(count: int = 250) -> tuple[App, list[str]]:
    """GET /v1/customers: limit 1-100 (default 10), starting_after=<id>, has_more."""
    ids = _ids("cus_", count)

    def app(request: Request) -> Reply:
        limit = _size(request, "limit", 10, 100)
        after = request.arg("starting_after")
        start = ids.index(after) + 1 if after else 0
        page = ids[start : start + limit]
        body = {
            "object": "list",
            "url": "/v1/customers",
            "has_more": start + limit < count,
            "data": [{"id": i, "object": "customer"} for i in page],
        }
        return 200, body, {}

    return _guarded(app), ids


def make_github(count: int = 350) -> tuple[App, list[str]]:
    """GET /repos/{owner}/{repo}/issues: per_page (default 30, more than 100 gives 100), page
    from 1, a bare array and `Link: <...>; rel="next"` (absolute URLs)."""
    ids = [str(1000 + i) for i in range(count)]

    def app(request: Request) -> Reply:
        per_page = _size(request, "per_page", 30, 100, cap=True)
        page = int(request.arg("page") or 1)
        start = (page - 1) * per_page
        chunk = ids[start : start + per_page]
        last = max(1, -(-count // per_page))
        url = f"{request.base}{request.path}"
        links = []
        if page < last:
            links.append(f'<{url}?per_page={per_page}&page={page + 1}>; rel="next"')
        links.append(f'<{url}?per_page={per_page}&page={last}>; rel="last"')
        body = [{"id": int(i), "number": int(i) - 999} for i in chunk]
        return 200, body, {"Link": ", ".join(links)}

    return app, ids


def make_netbox(count: int = 260) -> tuple[App, list[str]]:
    """GET /api/dcim/devices/: limit (default 50, MAX_PAGE_SIZE 1000), offset; {count, next,
    previous, results} with absolute next/previous URLs (Django REST Framework)."""
    ids = [str(i + 1) for i in range(count)]

    def app(request: Request) -> Reply:
        limit = _size(request, "limit", 50, 1000, cap=True)
        offset = int(request.arg("offset") or 0)
        url = f"{request.base}{request.path}"
        nxt = f"{url}?{urlencode({'limit': limit, 'offset': offset + limit})}"
        body = {
            "count": count,
            "next": nxt if offset + limit < count else None,
            "previous": None,
            "results": [{"id": int(i), "name": f"dev{i}"} for i in ids[offset : offset + limit]],
        }
        return 200, body, {}

    return app, ids


def make_graph(count: int = 230) -> tuple[App, list[str]]:
    """GET /v1.0/users: $top (default 100, max 999); {value, @odata.nextLink} with $skiptoken."""
    ids = [f"user-{i:04d}" for i in range(count)]

    def app(request: Request) -> Reply:
        top = _size(request, "$top", 100, 999)
        start = _position(request.arg("$skiptoken"))
        body: dict[str, Any] = {
            "@odata.context": f"{request.base}/v1.0/$metadata#users",
            "value": [{"id": i, "displayName": i} for i in ids[start : start + top]],
        }
        if start + top < count:
            query = urlencode({"$top": top, "$skiptoken": _token(start + top)})
            body["@odata.nextLink"] = f"{request.base}{request.path}?{query}"
        return 200, body, {}

    return _guarded(app), ids


def make_twilio(count: int = 120) -> tuple[App, list[str]]:
    """GET /2010-04-01/Accounts/{sid}/Messages.json: PageSize (default 50, max 1000), then the
    relative next_page_uri (Page and PageToken)."""
    ids = [f"SM{i:032d}" for i in range(count)]

    def app(request: Request) -> Reply:
        size = _size(request, "PageSize", 50, 1000)
        page = int(request.arg("Page") or 0)
        start = _position(request.arg("PageToken"))
        nxt = None
        if start + size < count:
            query = urlencode(
                {"PageSize": size, "Page": page + 1, "PageToken": _token(start + size)}
            )
            nxt = f"{request.path}?{query}"
        body = {
            "messages": [{"sid": i, "body": "hello"} for i in ids[start : start + size]],
            "uri": request.path,
            "first_page_uri": f"{request.path}?PageSize={size}&Page=0",
            "next_page_uri": nxt,
            "previous_page_uri": None,
            "page": page,
            "page_size": size,
            "start": start,
            "end": min(start + size, count) - 1,
        }
        return 200, body, {}

    return _guarded(app), ids


def make_slack(count: int = 250) -> tuple[App, list[str]]:
    """GET /api/conversations.list: limit (default 100, no larger than 1000), cursor; channels
    and response_metadata.next_cursor ("" at the end). Pages may hold fewer than asked."""
    ids = [f"C{i:08d}" for i in range(count)]

    def app(request: Request) -> Reply:
        limit = _size(request, "limit", 100, 1000)
        start = _position(request.arg("cursor"))
        given = max(1, limit - 7)  # "fewer than the requested number may be returned"
        end = min(start + given, count)
        body = {
            "ok": True,
            "channels": [{"id": i, "name": i.lower()} for i in ids[start:end]],
            "response_metadata": {"next_cursor": _token(end) if end < count else ""},
        }
        return 200, body, {}

    return _guarded(app), ids


def make_kubernetes(count: int = 130) -> tuple[App, list[str]]:
    """GET /api/v1/pods: limit, continue; items and metadata.continue (absent at the end)."""
    ids = [f"00000000-0000-0000-0000-{i:012d}" for i in range(count)]

    def app(request: Request) -> Reply:
        limit = int(request.arg("limit") or count)  # no limit: everything
        start = _position(request.arg("continue"))
        end = min(start + limit, count)
        metadata: dict[str, Any] = {"resourceVersion": "12345"}
        if end < count:
            metadata["continue"] = _token(end)
            metadata["remainingItemCount"] = count - end
        body = {
            "kind": "PodList",
            "apiVersion": "v1",
            "metadata": metadata,
            "items": [{"metadata": {"name": f"pod-{i[-4:]}", "uid": i}} for i in ids[start:end]],
        }
        return 200, body, {}

    return app, ids


def make_jsonapi(count: int = 75) -> tuple[App, list[str]]:
    """GET /articles: page[number] from 1, page[size] (default 10, max 50); data and links.next
    (null on the last page)."""
    ids = [str(i + 1) for i in range(count)]

    def app(request: Request) -> Reply:
        size = _size(request, "page[size]", 10, 50)
        number = int(request.arg("page[number]") or 1)
        start = (number - 1) * size
        last = -(-count // size)
        url = f"{request.base}{request.path}"

        def link(n: int) -> str:
            return f"{url}?{urlencode({'page[number]': n, 'page[size]': size})}"

        body = {
            "data": [
                {"type": "articles", "id": i, "attributes": {"title": f"t{i}"}}
                for i in ids[start : start + size]
            ],
            "links": {
                "self": link(number),
                "first": link(1),
                "last": link(last),
                "next": link(number + 1) if number < last else None,
            },
            "meta": {"total": count},
        }
        return 200, body, {}

    return _guarded(app), ids


def make_hal(count: int = 55) -> tuple[App, list[str]]:
    """GET /people (Spring Data REST): page from 0, size (default 20, max 1000);
    _embedded.people, _links.next.href, page.totalElements."""
    ids = [str(i + 1) for i in range(count)]

    def app(request: Request) -> Reply:
        size = _size(request, "size", 20, 1000, cap=True)
        number = int(request.arg("page") or 0)
        start = number * size
        pages = -(-count // size)
        url = f"{request.base}{request.path}"
        links: dict[str, Any] = {"self": {"href": f"{url}?page={number}&size={size}"}}
        if number + 1 < pages:
            links["next"] = {"href": f"{url}?page={number + 1}&size={size}"}
        body = {
            "_embedded": {
                "people": [
                    {"id": int(i), "name": f"p{i}", "_links": {"self": {"href": f"{url}/{i}"}}}
                    for i in ids[start : start + size]
                ]
            },
            "_links": links,
            "page": {
                "size": size,
                "totalElements": count,
                "totalPages": pages,
                "number": number,
            },
        }
        return 200, body, {}

    return app, ids


def make_google(count: int = 250) -> tuple[App, list[str]]:
    """GET /drive/v3/files: pageSize (default 100, max 1000), pageToken; files, nextPageToken."""
    ids = [f"1A{i:06d}" for i in range(count)]

    def app(request: Request) -> Reply:
        size = _size(request, "pageSize", 100, 1000)
        start = _position(request.arg("pageToken"))
        body: dict[str, Any] = {
            "kind": "drive#fileList",
            "incompleteSearch": False,
            "files": [{"id": i, "name": f"{i}.txt"} for i in ids[start : start + size]],
        }
        if start + size < count:
            body["nextPageToken"] = _token(start + size)
        return 200, body, {}

    return _guarded(app), ids


def make_vercel(count: int = 45) -> tuple[App, list[str]]:
    """GET /v6/deployments: limit (default 20, max 100), until=<pagination.next> (a timestamp,
    newest first); {deployments, pagination: {count, next, prev}}."""
    created = [1_700_000_000_000 - i * 1000 for i in range(count)]
    ids = [f"dpl_{i:05d}" for i in range(count)]

    def app(request: Request) -> Reply:
        limit = _size(request, "limit", 20, 100)
        until = request.arg("until")
        start = 0 if until is None else next(i for i, c in enumerate(created) if c < int(until))
        chunk = list(range(start, min(start + limit, count)))
        more = chunk and chunk[-1] + 1 < count
        body = {
            "deployments": [{"uid": ids[i], "created": created[i]} for i in chunk],
            "pagination": {
                "count": len(chunk),
                "next": created[chunk[-1]] if more else None,
                "prev": created[chunk[0]] if chunk else None,
            },
        }
        return 200, body, {}

    return _guarded(app), ids


def make_asana(count: int = 210) -> tuple[App, list[str]]:
    """GET /api/1.0/tasks: limit 1-100, offset (an opaque token); data and next_page (null at
    the end) holding offset, path and uri."""
    ids = [str(1_200_000_000_000 + i) for i in range(count)]

    def app(request: Request) -> Reply:
        limit = _size(request, "limit", 100, 100)
        start = _position(request.arg("offset"))
        next_page = None
        if start + limit < count:
            token = _token(start + limit)
            path = f"{request.path}?limit={limit}&offset={token}"
            next_page = {"offset": token, "path": path, "uri": f"{request.base}{path}"}
        body = {
            "data": [{"gid": i, "resource_type": "task"} for i in ids[start : start + limit]],
            "next_page": next_page,
        }
        return 200, body, {}

    return _guarded(app), ids


def make_stripe_search(count: int = 230) -> tuple[App, list[str]]:
    """GET /v1/customers/search: query (required), limit 1-100 (default 10), page (an opaque
    token from next_page); {object: search_result, data, has_more, next_page, url}."""
    ids = _ids("cus_", count)

    def app(request: Request) -> Reply:
        if not request.arg("query"):
            return 400, {"error": {"message": "Missing required param: query."}}, {}
        limit = _size(request, "limit", 10, 100)
        start = _position(request.arg("page"))
        more = start + limit < count
        body = {
            "object": "search_result",
            "url": "/v1/customers/search",
            "has_more": more,
            "next_page": _token(start + limit) if more else None,
            "data": [{"id": i, "object": "customer"} for i in ids[start : start + limit]],
        }
        return 200, body, {}

    return _guarded(app), ids


def make_openai(count: int = 45) -> tuple[App, list[str]]:
    """GET /v1/files (OpenAI): limit 1-10,000 (default 10,000), after=<id>; {object: list,
    data, first_id, last_id, has_more}."""
    ids = [f"file-{i:05d}" for i in range(count)]

    def app(request: Request) -> Reply:
        limit = _size(request, "limit", 10_000, 10_000)
        after = request.arg("after")
        start = ids.index(after) + 1 if after else 0
        page = ids[start : start + limit]
        body = {
            "object": "list",
            "data": [{"id": i, "object": "file"} for i in page],
            "first_id": page[0] if page else None,
            "last_id": page[-1] if page else None,
            "has_more": start + limit < count,
        }
        return 200, body, {}

    return _guarded(app), ids
