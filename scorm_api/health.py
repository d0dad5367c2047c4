from flask import Blueprint, Flask

from scorm_api.db import check_database, utcnow_iso
from scorm_api.endpoint import endpoint
from scorm_api.schemas import TIMESTAMP, obj
from scorm_api.state import State
from scorm_api.version import __version__

bp = Blueprint("health", __name__)


def init_app(app: Flask, state: State) -> None:
    app.register_blueprint(bp)


@endpoint(
    bp,
    "/api/health",
    "GET",
    tag="Health",
    auth_required=False,
    summary="Service health",
    errors=(503,),
    description="No authentication. Answers 503 with status 'unhealthy' when the database does not answer.",
    response=obj(
        {
            "status": {"enum": ["healthy", "unhealthy"]},
            "service": {"type": "string"},
            "version": {"type": "string"},
            "timestamp": TIMESTAMP,
            "checks": obj({"database": {"type": "boolean"}}, ["database"]),
        },
        ["status", "service", "version", "timestamp", "checks"],
    ),
)
def health():
    db_ok = check_database()
    body = {
        "status": "healthy" if db_ok else "unhealthy",
        "service": "scorm-api",
        "version": __version__,
        "timestamp": utcnow_iso(),
        "checks": {"database": db_ok},
    }
    return body, 200 if db_ok else 503
