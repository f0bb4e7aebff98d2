"""cctv-scan: find CCTV cameras, NVRs and DVRs, name their real maker, flag restricted ones.

The library API is re-exported here; the CLI (``scanner.cli``) is a thin layer over it.
"""

__version__ = "0.1.0"
