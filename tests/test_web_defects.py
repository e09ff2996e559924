"""The defects a new user hit on the pages (issue 16, part 4): the 422 page without navigation
and with a raw pydantic message, htmx requests that failed silently (the markup and the reload
hint of the one error handler), and no link to the API documentation."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.web_fixtures import ROLES, World, csrf_from, login, make_client

HTMX = {"HX-Request": "true"}


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c


def test_the_422_page_keeps_the_layout_and_names_the_field_in_words(
    client: TestClient, world: World
) -> None:
    login(client, "manager")
    response = client.get("/customers", params={"page": 0})
    assert response.status_code == 422
    html = response.text
    assert '<nav class="mainnav"' in html  # the normal layout, with the navigation
    assert 'class="who-name">Manager User<' in html
    detail = re.search(r'<p class="error-detail">(.*?)</p>', html, re.S)
    assert detail is not None
    assert detail.group(1) == "page: must be at least 1 (given: 0)"
    assert "Input should be" not in html
    words = client.get("/customers", params={"page": "two"}).text
    assert "page: must be a whole number (given: two)" in words
    # The API keeps its machine-readable shape.
    api = client.get("/api/v1/customers", params={"page": 0}, headers={"Authorization": "x"})
    assert api.headers["content-type"].startswith("application/json")


def test_an_error_page_without_a_login_has_no_navigation(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert '<nav class="mainnav"' not in response.text


def test_every_page_carries_the_htmx_error_handler(client: TestClient, world: World) -> None:
    login(client, "agent")
    html = client.get("/customers").text
    assert '<script src="/static/request-errors.js?v=' in html
    template = html.split('<template id="request-error"', 1)[1].split("</template>", 1)[0]
    assert 'class="request-error" role="alert"' in template
    assert "Reload the page" in template
    script = client.get("/static/request-errors.js")
    assert script.status_code == 200
    assert "htmx:responseError" in script.text


def test_a_stale_form_token_says_reload_to_htmx(client: TestClient, world: World) -> None:
    """A stale CSRF token (the page is older than the session): 403 with the reload hint the
    error handler reads; a role that may not do something gets no such hint."""
    login(client, "account-manager")
    stale = client.post(
        "/alerts/1/handle", data={"outcome": "kept"}, headers={**HTMX, "X-CSRF-Token": "old"}
    )
    assert stale.status_code == 403
    assert stale.headers["VC-Reload"] == "true"
    assert '<p class="error-detail">the form has expired' in stale.text
    token = csrf_from(client.get("/alerts").text)
    login(client, "agent")  # a new session: the agent may not see the offers page
    agent_token = csrf_from(client.get("/customers").text)
    assert agent_token != token
    forbidden = client.get("/offers", headers=HTMX)
    assert forbidden.status_code == 403
    assert "VC-Reload" not in forbidden.headers


@pytest.mark.parametrize("role", ROLES)
def test_the_navigation_links_the_api_documentation(db_url: str, world: World, role: str) -> None:
    with make_client(db_url) as c:
        login(c, role.replace("_", "-"))
        html = c.get("/customers").text
        nav = html.split('<nav class="mainnav"', 1)[1].split("</nav>", 1)[0]
        assert re.search(r'<a href="/docs"[^>]*>API</a>', nav)
        assert c.get("/docs").status_code == 200
