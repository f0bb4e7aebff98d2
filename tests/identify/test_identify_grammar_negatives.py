"""Model strings of non-PRC makers that PRC makers' grammars must not claim (branch h4-grammar-audit).

An audit ran every registry grammar over a list of real camera model numbers of many brands and
found grammars of one maker matching another's numbers. The worst is a PRC grammar naming a non-PRC
device: Dahua's catch-all ``DH-``/``DHI-`` grammar read any ``DH-`` followed by digits, and
Provision-ISR (Israel) numbers analog domes ``DH-<3 digits>...``. The grammar now needs a letter
after the prefix (vendors.yaml, ``dahua-dh-prefixed-model``).

The values asserted here are what users named as the model of their own device, with the thread
beside each; only vendors.yaml speaks (``db_factory({})``).
"""

from __future__ import annotations

import pytest

from scanner.identify import build_identity, classify, load_policy, match_observation
from scanner.models import Classification, Observation

# (field, value, source): non-PRC devices' model strings as their owners reported them
NON_PRC = [
    # Provision-ISR (Kfar Saba, IL): a user's three cameras, "I have the following models"
    ("onvif.model", "I3-390IP536", "https://github.com/dmitrif/onvif2mqtt/issues/35"),
    ("onvif.model", "I3-390IPSVF", "https://github.com/dmitrif/onvif2mqtt/issues/35"),
    ("onvif.model", "I3-340IP5SVF", "https://github.com/dmitrif/onvif2mqtt/issues/35"),
    # Provision-ISR: "Confirming the next cameras work correctly ... Provision ISR: I3-340IP536+, I4-340IP5MVF"
    ("onvif.model", "I3-340IP536+", "https://github.com/dmitrif/onvif2mqtt/issues/16"),
    ("onvif.model", "I4-340IP5MVF", "https://github.com/dmitrif/onvif2mqtt/issues/16"),
]


@pytest.fixture
def registry_only(db_factory):  # type: ignore[no-untyped-def]
    return db_factory({})


def _obs(field: str, value: str) -> Observation:
    return Observation("198.18.0.42", field.split(".")[0], field, value)


def _makers(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.params[k] for m in result.matches for k in ("vendor", "platform_vendor") if k in m.params}


@pytest.mark.parametrize(("field", "value", "source"), NON_PRC, ids=[v for _, v, _ in NON_PRC])
def test_a_non_prc_model_is_not_named_as_a_prc_maker(registry_only, field, value, source) -> None:  # type: ignore[no-untyped-def]
    assert source.startswith("https://")
    vdb = registry_only.vendors
    result = match_observation(_obs(field, value), registry_only)
    named = _makers(result)
    assert not [n for n in named if (v := vdb.get(n)) is not None and v.prc_organised], (named, [m.fingerprint_id for m in result.matches])
    ident = build_identity([result], registry_only)
    for policy in ("uk-sensitive-sites", "us-ndaa"):
        verdict = classify(ident, load_policy(policy, registry_only), vdb)
        assert verdict.classification is not Classification.RESTRICTED


def test_the_dahua_prefix_grammar_needs_a_letter_after_dh(registry_only) -> None:  # type: ignore[no-untyped-def]
    grammar = next(g for v in registry_only.vendors.vendors.values() for g in v.models if g.id == "dahua-dh-prefixed-model")
    # its own examples (users' Dahua cameras, sources in vendors.yaml) still match ...
    for example in grammar.examples:
        assert grammar.regex.search(example), example
    # ... and a DH- followed by digits, Provision-ISR's dome numbering, does not
    assert grammar.regex.search("DH-320SRN-MVF") is None


def test_the_imou_grammar_leaves_uniview_lens_coded_numbers_alone(registry_only) -> None:  # type: ignore[no-untyped-def]
    # IPC-T23S-JY40 is Uniview's number for its dual-light bullet, the maker's own product page:
    # https://cn.uniview.com/Products/Cameras/Fixed-camera/Dual-Light/IPC-T23S-JY40/ (a part number, not a device reply)
    grammar = next(g for v in registry_only.vendors.vendors.values() for g in v.models if g.id == "imou-ipc")
    for example in grammar.examples:
        assert grammar.regex.search(example), example
    assert grammar.regex.search("IPC-T23S-JY40") is None
    assert "Imou" not in _makers(match_observation(_obs("onvif.model", "IPC-T23S-JY40"), registry_only))
