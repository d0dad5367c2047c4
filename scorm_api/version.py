"""The appliance's version, read from the installed distribution's metadata."""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version

try:
    __version__ = _dist_version("scorm-api-appliance")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"
