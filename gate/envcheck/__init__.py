"""Environment separation as a gate check: load the inventories, prove each environment stands alone.

`check_inventories(inventories_dir)` returns `Finding`s (tool `envcheck`, rule ids ENV001...), each
pointing at the inventory file and line of the offending key. One module per concern.
"""

from __future__ import annotations

from gate.envcheck.checker import TOOL, EnvcheckOptions, check_inventories

__all__ = ["TOOL", "EnvcheckOptions", "check_inventories"]
