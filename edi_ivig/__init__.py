"""edi-ivig: find, flag and fix the immune globulin (IVIG) lines of 837P/837I claims.

The hook: `edi_ivig.process(data, mode="fix")` (see edi_ivig.api).
"""

from edi_ivig.api import Result, load_config, process
from edi_ivig.errors import UnreadableInput
from edi_ivig.settings import ConfigError

__version__ = "0.1.0"
__all__ = ["ConfigError", "Result", "UnreadableInput", "__version__", "load_config", "process"]
