from flask import Blueprint, Flask

from scorm_api import disk
from scorm_api.db import check_database, utcnow_iso
from scorm_api.endpoint import endpoint
from scorm_api.schemas import TIMESTAMP, obj
from scorm_api.state import State, current
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
    description="No authentication. Answers 503 with status 'unhealthy' when the database "
    "does not answer; 'degraded' (200) when the data dir's disk is low on space (checks.disk: "
    "writes then answer 507 once it is full, reads go on). checks.disk is our extension.",
    response=obj(
        {
            "status": {"enum": ["healthy", "degraded", "unhealthy"]},
            "service": {"type": "string"},
            "version": {"type": "string"},
            "timestamp": TIMESTAMP,
            "checks": obj(
                {
                    "database": {"type": "boolean"},
                    "disk": obj(
                        {
                            "ok": {"type": "boolean"},
                            "free_bytes": {"type": ["integer", "null"]},
                            "low_below_bytes": {"type": "integer"},
                        },
                        ["ok"],
                        additional=True,
                    ),
                },
                ["database"],
                additional=True,
            ),
        },
        ["status", "service", "version", "timestamp", "checks"],
    ),
)
def health():
    db_ok = check_database()
    settings = current().settings
    space = disk.usage(settings.data_dir)
    disk_ok = space is None or space.free_bytes >= settings.disk_low_bytes
    body = {
        "status": "unhealthy" if not db_ok else "healthy" if disk_ok else "degraded",
        "service": "scorm-api",
        "version": __version__,
        "timestamp": utcnow_iso(),
        "checks": {
            "database": db_ok,
            "disk": {
                "ok": disk_ok,
                "free_bytes": space.free_bytes if space else None,
                "low_below_bytes": settings.disk_low_bytes,
            },
        },
    }
    return body, 200 if db_ok else 503


# What a sync between appliances may send beyond the cloud's contract (sync/profile.py reads
# this list from the target).
FEATURES = (
    "sessions.activities",
    "sessions.appliance",
    "sessions.version",
    "packages.versions",
    "sessions.delete",  # DELETE /sessions/{id} and DELETE /learners/{id} (learners/)
)


@endpoint(
    bp,
    "/api/v1/appliance",
    "GET",
    tag="Health",
    summary="What this server is: an appliance, its version and what it takes beyond the cloud",
    description="A sync asks this first: the cloud does not serve it (404), an appliance says "
    "which extension fields its sessions' PUT takes, and its instance id lets a sync refuse "
    "to send a data dir to itself.",
    response=obj(
        {
            "appliance": obj(
                {
                    "service": {"type": "string"},
                    "version": {"type": "string"},
                    "instance_id": {"type": "string"},
                    "features": {"type": "array", "items": {"type": "string"}},
                },
                ["service", "version", "instance_id", "features"],
            )
        },
        ["appliance"],
    ),
)
def appliance(principal):
    return {
        "appliance": {
            "service": "scorm-api",
            "version": __version__,
            "instance_id": current().instance_id,
            "features": list(FEATURES),
        }
    }
