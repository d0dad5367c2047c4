"""What the desktop window needs from the system before Qt starts, checked before Qt starts.

The Qt wheels bring Qt itself, not the X11, OpenGL, sound and NSS libraries Qt's xcb platform
plugin and QtWebEngine link against. Without one of them Qt does not fail politely: it prints
"Could not load the Qt platform plugin "xcb"" (blaming the plugin, not the library) and aborts
the whole process (exit 134). So the shell loads each library by name first, and names the
Debian packages of the missing ones.

LIBRARIES lists every system library that Qt's xcb plugin and the Qt modules the window uses
link against directly (tests/desktop/test_qtlibs.py reads the wheels' ELF files to keep it
complete), with the Debian 12 package that ships it.
"""

from __future__ import annotations

import ctypes
import os
import sys

# Needed by the xcb platform plugin (libqxcb.so, libQt6XcbQpa): an X11 display.
XCB = {
    "libxcb.so.1": "libxcb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}
# Needed by Qt's GUI and web engine on any platform plugin.
ENGINE = {
    "libxkbcommon.so.0": "libxkbcommon0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libgbm.so.1": "libgbm1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libnss3.so": "libnss3",
    "libnssutil3.so": "libnss3",
    "libsmime3.so": "libnss3",
    "libnspr4.so": "libnspr4",
    "libasound.so.2": "libasound2",
    "libXcomposite.so.1": "libxcomposite1",
    "libXdamage.so.1": "libxdamage1",
    "libXext.so.6": "libxext6",
    "libXfixes.so.3": "libxfixes3",
    "libXrandr.so.2": "libxrandr2",
    "libXtst.so.6": "libxtst6",
    "libxkbfile.so.1": "libxkbfile1",
    "libxcb-dri3.so.0": "libxcb-dri3-0",
    "libxshmfence.so.1": "libxshmfence1",
    "libexpat.so.1": "libexpat1",
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
    "libbrotlicommon.so.1": "libbrotli1",
    "libbrotlidec.so.1": "libbrotli1",
    "libudev.so.1": "libudev1",
    "libgssapi_krb5.so.2": "libgssapi-krb5-2",
}
LIBRARIES = {**XCB, **ENGINE}


def uses_xcb(environ=os.environ) -> bool:
    """Whether Qt will pick its xcb (X11) plugin: unless QT_QPA_PLATFORM names another
    (offscreen, wayland), or, unset, in a Wayland session (Qt 6 prefers Wayland there)."""
    chosen = environ.get("QT_QPA_PLATFORM")
    if chosen:
        return chosen.split(":", 1)[0] == "xcb"
    return not (environ.get("XDG_SESSION_TYPE") == "wayland" and environ.get("WAYLAND_DISPLAY"))


def loads(soname: str) -> bool:
    """Whether the dynamic loader finds and loads `soname`, as Qt's own loading will. (Loaded
    now it stays loaded; Qt needs it moments later anyway.)"""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing(environ=os.environ) -> dict[str, str]:
    """The libraries the window needs that this system lacks: soname -> Debian package."""
    if not sys.platform.startswith("linux"):
        return {}
    wanted = LIBRARIES if uses_xcb(environ) else ENGINE
    return {soname: package for soname, package in wanted.items() if not loads(soname)}


def problem(environ=os.environ) -> str | None:
    """Why Qt cannot open a window here, in words a person can act on; None when it can."""
    if not sys.platform.startswith("linux"):
        return None
    if uses_xcb(environ) and not environ.get("DISPLAY"):
        return (
            "there is no display to open a window on (DISPLAY is not set): run it in a desktop "
            "session, or run `scorm-api serve` and open the dashboard in a browser"
        )
    lacking = missing(environ)
    if not lacking:
        return None
    packages = " ".join(sorted(set(lacking.values())))
    return (
        f"the desktop window needs system libraries this computer lacks ({', '.join(lacking)}). "
        f"On Debian or Ubuntu install them with:\n\n    sudo apt-get install {packages}\n\n"
        "or run `scorm-api serve` and open the dashboard in a browser"
    )
