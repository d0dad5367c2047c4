"""The SCORM API appliance: a self-hosted, offline-first edition of the cloud SCORM/xAPI API.

`scorm_api.factory.create_app(settings)` builds the Flask app; `scorm_api.cli` is the command.
"""

from scorm_api.version import __version__

__all__ = ["__version__"]
