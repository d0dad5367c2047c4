"""The top menu on one line on a laptop's screen, on every dashboard page: at 1280x800 and
1366x768, in Debian's Chromium with the scrollbars a person's browser shows (Playwright hides
them by default, which gives a page 15 px more than it has on a real screen)."""

import pytest

from scorm_api.dashboard.routes import PAGES

from tests.dashboard.pages import first_sign_in
from tests.support import CHROMIUM, CHROMIUM_ARGS, screenshot

pytestmark = pytest.mark.browser

SCREENS = ((1280, 800), (1366, 768))
# Room the row must leave: fonts differ between computers (Segoe UI, San Francisco, DejaVu
# Sans here, which is among the widest), and so do scrollbars (17 px on Windows): a row a
# twentieth wider must not wrap.
SPARE = 0.05

# Where the top bar's parts are: each one's box, the menu links' tops, and the width the row
# has (the page's, less the scrollbar) and needs (its parts side by side, with the gaps).
MEASURE = """(top) => {
  const box = (el) => el.getBoundingClientRect();
  const style = getComputedStyle(top);
  const parts = [...top.children].map(box);
  const links = [...top.querySelectorAll("nav a")].map(box);
  const gap = parseFloat(style.columnGap) || 0;
  return {
    height: box(top).height,
    linkHeight: Math.max(...links.map((r) => r.height)),
    linkTops: [...new Set(links.map((r) => Math.round(r.top)))],
    partTops: [...new Set(parts.map((r) => Math.round(r.top + r.height / 2)))],
    available: top.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
    needed: parts.reduce((sum, r) => sum + r.width, 0) + gap * (parts.length - 1),
    scrollbar: window.innerWidth - box(top).width,
  };
}"""


@pytest.fixture
def person_page(browser):
    """A page of a Chromium that shows scrollbars, as a person's does."""
    shown = browser.browser_type.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, ignore_default_args=["--hide-scrollbars"]
    )
    context = shown.new_context(viewport={"width": SCREENS[0][0], "height": SCREENS[0][1]})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()
    shown.close()


def test_the_menu_is_one_line_on_every_page_at_laptop_sizes(live_server, person_page):
    page = person_page
    first_sign_in(live_server, page)
    seen = []
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        for name in PAGES:
            page.goto(f"{live_server.url}/dashboard/{name}")
            page.locator("#main > h1, #main h1").first.wait_for()
            top = page.locator("header.top")
            m = top.evaluate(MEASURE)
            where = f"{name} at {width}x{height}: {m}"
            assert m["scrollbar"] >= 10, where  # the scrollbar's room is there, as on a screen
            assert len(m["linkTops"]) == 1 and len(m["partTops"]) == 1, where
            assert m["height"] < 2 * m["linkHeight"], where
            assert m["needed"] * (1 + SPARE) <= m["available"], where
            seen.append(name)
            if name in ("packages", "sync"):
                screenshot(page, f"dashboard-menu-{name}-{width}")
    assert len(seen) == 2 * len(PAGES)
    assert page.errors == []
