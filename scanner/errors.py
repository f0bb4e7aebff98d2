"""One root exception class and one subclass per failure the library reports to its caller."""


class CctvScanError(Exception):
    """Root of every error this package raises on purpose."""


class ScopeError(CctvScanError):
    """The targets given are invalid, too large, or outside what may be scanned."""


class FingerprintError(CctvScanError):
    """The fingerprint or vendor database is invalid (schema, regex, example or vocabulary)."""


class LabError(CctvScanError):
    """The emulated lab could not be built, checked or torn down."""
