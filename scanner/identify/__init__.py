"""Identification and classification: fingerprints -> matches -> identity -> verdict.

``build_devices`` is the call the scan engine makes; ``identify_document`` re-runs it offline on
a saved scan. Everything the code knows about particular makers comes from the database in
``fingerprints/`` (see ``default_database_path``).
"""

from .classify import Verdict, classify
from .devices import build_devices, identify_document
from .fingerprints import (
    Fingerprint,
    FingerprintDB,
    FingerprintFile,
    Problem,
    check_database,
    default_database_path,
    http_marker_paths,
    load_database,
)
from .identity import Identity, build_identity
from .matcher import Match, MatchResult, match_observation
from .policy import DEFAULT_POLICY, Policy, PolicyError, load_policy

__all__ = [
    "DEFAULT_POLICY",
    "Fingerprint",
    "FingerprintDB",
    "FingerprintFile",
    "Identity",
    "Match",
    "MatchResult",
    "Policy",
    "PolicyError",
    "Problem",
    "Verdict",
    "build_devices",
    "build_identity",
    "check_database",
    "classify",
    "default_database_path",
    "http_marker_paths",
    "identify_document",
    "load_database",
    "load_policy",
    "match_observation",
]
