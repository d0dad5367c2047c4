from flask import Blueprint

from app.endpoint import endpoint
from app.packages import services
from app.packages.models import STATUSES
from app.schemas import TIMESTAMP, UUID, obj, page_query

bp = Blueprint("packages", __name__, url_prefix="/api/v1")
TAG = "Packages"

PACKAGE = obj({
    "id": UUID, "tenant_id": UUID, "title": {"type": "string"}, "version": {"type": "string"},
    "status": {"enum": list(STATUSES)}, "file_size_bytes": {"type": "integer"},
    "metadata": {"type": "object"}, "created_at": TIMESTAMP, "updated_at": TIMESTAMP,
}, ["id", "tenant_id", "title", "version", "created_at", "updated_at"], additional=True)


@endpoint(bp, "/packages", "GET", tag=TAG, query=page_query(), summary="List packages",
          response=obj({"packages": {"type": "array", "items": PACKAGE},
                        "count": {"type": "integer", "description": "Total for the tenant"}},
                       ["packages", "count"]))
def list_packages(principal, query):
    rows, total = services.list_packages(principal.tenant_id, query["page"], query["limit"])
    return {"packages": [p.to_api() for p in rows], "count": total}


@endpoint(bp, "/packages/<package_id>", "GET", tag=TAG, response=PACKAGE, errors=(404,),
          summary="Get a package")
def get_package(principal, package_id):
    return services.get_package(principal.tenant_id, package_id).to_api()
