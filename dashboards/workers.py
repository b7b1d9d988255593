"""The site's second process for the big builds (`platform_config.workers`): the campaigns to
protect and the pages to render are shared between the build's process and one helper, each
taking the next item when done. The helper makes the build's context once (from the warehouse
file, or the marts sent over when the caller holds the file, and the cells to hide) and
imports the site's modules as it starts.
"""

from __future__ import annotations

from platform_config import workers
from platform_config.workers import available, installed

#: what the site's tasks import
WARM = ("dashboards.confidentiality", "dashboards.page_build")


class Helper(workers.Helper):
    def __init__(self, *, always: bool = False) -> None:
        super().__init__(always=always, warm=WARM)


__all__ = ["Helper", "available", "installed"]
