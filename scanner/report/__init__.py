"""Scan document output: the versioned JSON form and the terminal table."""

from .json_doc import SCHEMA_PATH, dump, load, validate

__all__ = ["SCHEMA_PATH", "dump", "load", "validate"]
