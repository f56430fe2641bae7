"""Browser tests: one real demo server and one Chromium per session, a fresh browser context
per page, and a screenshot of every page a test opened when it ends.

The tests drive the committed build (frontend/dist), so CI tests what it ships;
GRASSROOTS_TEST_FRONTEND_DIR points them at another build. Without /usr/bin/chromium they are
skipped (.ci/run installs it).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from .pages import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREEN,
    SCREENSHOTS,
    CuttableProxy,
    DemoServer,
    SyncApi,
    frontend_dir,
)

HERE = Path(__file__).resolve().parent

CREATE_DISPLAY_TOKEN = """
mutation Display($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token userErrors { field message code } }
}
"""
REGION_BY_CODE = "query Region($code: String!) { regions(code: $code) { id nameZh } }"
YANQING = "222401003001"  # 延青社区, where screen1 hangs

NewPage = Callable[..., Page]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason=f"the browser tests need Chromium at {CHROMIUM}")
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(skip)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """The demo city served by a real `grassroots serve`, built once for the session."""
    frontend = frontend_dir()
    if not (frontend / "index.html").is_file():
        pytest.fail(f"no front end built in {frontend}: run make frontend")
    server = DemoServer(tmp_path_factory.mktemp("browser-server"), frontend)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def base_url(live_server: DemoServer) -> str:
    return live_server.base_url


@pytest.fixture(scope="session")
def api(live_server: DemoServer) -> Iterator[SyncApi]:
    client = SyncApi(live_server.base_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def yanqing(api: SyncApi) -> dict[str, str]:
    """延青社区: the community of the demo's people and of screen1."""
    return api.run(REGION_BY_CODE, {"code": YANQING})["regions"][0]


@pytest.fixture(scope="session")
def display_token(api: SyncApi, yanqing: dict[str, str]) -> str:
    """A wall screen's DISPLAY token for 延青社区, made by the admin as a city would."""
    name = f"wall-{uuid.uuid4().hex[:8]}"
    variables = {"input": {"name": name, "role": "DISPLAY", "regionId": yanqing["id"]}}
    made = api.as_user("admin", CREATE_DISPLAY_TOKEN, variables)["createApiToken"]
    assert made["userErrors"] == [], made["userErrors"]
    return str(made["token"])


@pytest.fixture
def proxy(live_server: DemoServer) -> Iterator[CuttableProxy]:
    """The server behind a proxy the test can cut. Ask for it before new_page, so the pages'
    screenshots are taken before it closes."""
    cuttable = CuttableProxy(live_server.port)
    yield cuttable
    cuttable.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        playwright.selectors.set_test_id_attribute("data-test")  # the front end's hooks
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(
    browser: Browser, live_server: DemoServer, request: pytest.FixtureRequest
) -> Iterator[NewPage]:
    """new_page(viewport=SCREEN or PHONE) -> a page in a fresh context (its own storage).
    At the end of the test each page is saved as test-artifacts/screenshots/<test>[-n].png."""
    contexts: list[tuple[BrowserContext, Page]] = []

    def make(viewport: dict[str, int] = SCREEN) -> Page:
        context = browser.new_context(viewport=viewport, base_url=live_server.base_url)
        page = context.new_page()
        contexts.append((context, page))
        return page

    yield make
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for i, (context, page) in enumerate(contexts):
        suffix = f"-{i + 1}" if i else ""
        try:
            if not page.is_closed():
                page.screenshot(path=str(SCREENSHOTS / f"{name}{suffix}.png"))
        finally:
            context.close()
