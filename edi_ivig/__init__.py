"""edi-ivig: find, flag and fix the immune globulin (IVIG) lines of 837P/837I claims."""

from edi_ivig.errors import UnreadableInput

__version__ = "0.1.0"
__all__ = ["UnreadableInput", "__version__"]
