"""Browser journeys: pytest-django's live server driven by headless Chromium (Playwright, sync API).

- One Chromium for all the journeys (``browser``); every test gets a fresh context and page, so
  cookies and storage never leak between journeys.
- The system Chromium is used (``/usr/bin/chromium``); Playwright never downloads a browser. Without
  it the journeys are skipped with a reason rather than failing on a missing binary.
- ``login`` goes through the real login form; ``screenshot`` writes full-page PNGs under
  ``test-artifacts/screenshots/`` (git-ignored) for the visual review.
- A page that logs a JavaScript error, fails to load a resource or breaks the Content-Security-Policy
  fails its test: a broken script, a missing stylesheet or inline code the policy blocks is a bug
  even when the assertions happen to pass.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API keeps an asyncio loop on this thread; Django's "no ORM inside an event loop"
# guard would otherwise refuse the tests' database reads and writes. It is safe here: the loop is idle
# (waiting on the test) whenever the ORM runs, so no coroutine can interleave with a query.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright  # noqa: E402

from tests.conftest import PASSWORD  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
# A loaded two-core machine (CI runs both databases side by side) can take over 10 s for a first page.
TIMEOUT_MS = int(os.environ.get("CXQ_E2E_TIMEOUT_MS", "20000"))


def wait_js(page: Page, function: str, timeout: int | None = None) -> None:
    """Wait until a JavaScript function (``"() => ..."``) returns something true, asking again every 50 ms.
    Not ``page.wait_for_function``: its polled predicate is compiled in the page, which the
    Content-Security-Policy refuses (docs/content-security-policy.md); ``evaluate`` is not."""
    import time

    deadline = time.monotonic() + (timeout or TIMEOUT_MS) / 1000
    while not page.evaluate(function):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {function}")
        page.wait_for_timeout(50)


# Package scope: Playwright's loop stops when the journeys are done, before any other tests run.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser journeys need Chromium at {CHROMIUM}")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# Every document reports what its Content-Security-Policy blocked (or, report-only, would block) to
# the test, whether or not the browser also logs it to the console.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (e) => {
  const on = e.target instanceof Element ? ` on ${e.target.outerHTML.slice(0, 160)}` : "";
  window.cxqCspViolation(`${e.disposition} ${e.effectiveDirective} blocked ${e.blockedURI || "inline code"}`
    + ` at ${e.sourceFile || e.documentURI}:${e.lineNumber}` + (e.sample ? ` (${e.sample})` : "") + on);
}, true);
"""


class BrowserErrors(list):
    """JavaScript errors, failed loads and policy violations seen by the pages of one test."""

    def watch(self, page: Page) -> Page:
        page.expose_function("cxqCspViolation", lambda text: self.append(f"{page.url}: CSP violation: {text}"))
        page.add_init_script(CSP_WATCH)
        page.on("pageerror", lambda exc: self.append(f"{page.url}: {exc}"))
        page.on("console", lambda msg: self._on_console(page, msg))
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_request_failed)
        return page

    def _on_request_failed(self, request) -> None:
        # A download (the CSV export) or a newer navigation aborts the document load, and leaving a page
        # aborts what it was still loading: background requests (the builder's live validation) and, on a
        # loaded machine, a script or stylesheet not yet arrived when the journey clicked on. Not errors: a
        # file that is really missing answers 404 (reported by _on_response), one refused by the policy
        # fails as blocked (reported here and by the CSP watcher).
        if request.failure == "net::ERR_ABORTED":
            return
        self.append(f"{request.url}: {request.failure}")

    def _on_console(self, page: Page, msg) -> None:
        # Chromium's own "Failed to load resource" line names no URL; _on_response reports those.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.append(f"{page.url}: console error: {msg.text}")

    def _on_response(self, response) -> None:
        # Documents may answer 4xx on purpose (the locked-out page); their content is asserted.
        if response.status >= 400 and response.request.resource_type != "document":
            self.append(f"{response.url}: HTTP {response.status} for a {response.request.resource_type}")


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


@pytest.fixture
def new_page(browser: Browser, live_server, browser_errors: BrowserErrors) -> Iterator[Callable[[], Page]]:
    """new_page() → a page in its own fresh context (its own cookies), pointed at the live server.
    Journeys with two people (an admin and an agent) open one each."""
    contexts: list[BrowserContext] = []

    def make() -> Page:
        context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return browser_errors.watch(context.new_page())

    yield make
    for context in contexts:
        context.close()
    assert not browser_errors, "the browser reported errors:\n" + "\n".join(browser_errors)


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def login() -> Callable[..., None]:
    """login(page, user) fills in the real login form and waits for the dashboard."""

    def do_login(page: Page, user, password: str = PASSWORD) -> None:
        page.goto("/login/")
        page.fill("input[name=username]", user.email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: urlsplit(url).path == "/")
        expect(page.locator("h1")).to_contain_text(f"Good to see you, {user.full_name}")

    return do_login


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Page, str], Path]:
    """screenshot(page, "admin-dashboard") → test-artifacts/screenshots/admin-dashboard.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path

    return take
