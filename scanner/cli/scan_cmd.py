"""``cctv-scan scan`` and ``cctv-scan demo``."""
