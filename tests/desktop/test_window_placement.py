"""Where the desktop's windows open (scorm_api/desktop/windows.place): the preferred size when
the screen has room, shrunk to the screen when not, centred in what the panels leave free.
tests/desktop/test_desktop_window.py checks the real windows on 1366x768 and 1920x1080 screens."""

from __future__ import annotations

from scorm_api.desktop.windows import COURSE_MIN, COURSE_SIZE, DASHBOARD_MIN, DASHBOARD_SIZE, Area, place


def test_a_laptop_screen_shrinks_the_dashboard_to_fit_and_centres_it():
    p = place(Area(0, 0, 1366, 768), DASHBOARD_SIZE, DASHBOARD_MIN)
    assert (p.width, p.height) == (1280, 656)  # 768 less the margin for panels and title bar
    assert (p.x, p.y) == (43, 56)
    assert p.min_size == DASHBOARD_MIN


def test_a_large_screen_gets_the_preferred_size_centred():
    p = place(Area(0, 0, 1920, 1080), DASHBOARD_SIZE, DASHBOARD_MIN)
    assert (p.x, p.y, p.width, p.height) == (320, 130, 1280, 820)


def test_the_panels_area_is_what_the_window_is_centred_in():
    """A 32 px top bar and a 48 px dock: the window stays in the 688 px between them."""
    p = place(Area(0, 32, 1366, 688), DASHBOARD_SIZE, DASHBOARD_MIN)
    assert p.y >= 32 and p.y + p.height <= 32 + 688
    assert p.height == 688 - 112 and p.y == 32 + 56


def test_a_screen_smaller_than_the_smallest_useful_size_still_holds_the_window():
    p = place(Area(0, 0, 640, 480), DASHBOARD_SIZE, DASHBOARD_MIN)
    assert (p.x, p.y, p.width, p.height) == (0, 0, 640, 480)
    assert p.min_size == (640, 480)  # a minimum larger than the screen would push it off again
    course = place(Area(0, 0, 640, 480), COURSE_SIZE, COURSE_MIN)
    assert (course.width, course.height) == (592, 368) and course.min_size == COURSE_MIN
