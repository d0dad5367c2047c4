"""What a dashboard page's script needs to know that only the server knows (enums, reasons,
limits), handed to it in the page itself so the script keeps no second copy."""
from __future__ import annotations


def page_data() -> dict:
    return {}
