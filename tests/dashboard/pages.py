"""The dashboard in Debian's Chromium: a page at a laptop's screen size that records script
errors, and the first sign-in (choosing the trainer's password)."""

from tests.support import screenshot

PASSWORD = "trainer password 1"


def laptop_page(browser):
    """A page at a 1280x800 laptop screen that records script errors in page.errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return context, page


def first_sign_in(srv, page):
    page.goto(srv.url + "/dashboard/")
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    screenshot(page, "dashboard-first-run")
    page.get_by_role("button", name="Set password and sign in").click()
    page.get_by_role("heading", name="Packages").wait_for()
