"""A brand's model grammar may name the maker that builds that model line (``platform:``), for
brands that sell several makers' devices: Lorex's NR and N8xx recorders are Dahua builds (Dahua
hardware ids inside every such firmware file on Lorex's server); its LNR and DNR files are mixed and
its FLIR-era LNK recorders are not Dahua's, so those grammars name the brand only."""

from __future__ import annotations

from identify_fixtures import REPO_DB
from scanner.identify import build_identity, classify, load_database, load_policy, match_observation
from scanner.identify._check import run_checks
from scanner.models import Observation

DB = load_database(REPO_DB)
# kushagharahi/homebridge-dahua-alerts README.md @a9696705dc78dae66023802c4b533a6be625ed56 (Lorex NR818);
# https://github.com/kushagharahi/homebridge-dahua-alerts/issues/25 (Device Type LNK7108A, a Lorex FLIR NVR)
NR818, LNK7108A = "NR818", "LNK7108A"


def _identify(*pairs: tuple[str, str]):  # type: ignore[no-untyped-def]
    obs = [Observation(ip="10.0.0.9", probe=f.split(".", 1)[0], field=f, value=v) for f, v in pairs]
    ident = build_identity([match_observation(o, DB) for o in obs], DB)
    return ident, classify(ident, load_policy("uk-sensitive-sites", DB), DB.vendors)


def test_a_brand_grammar_with_a_platform_names_the_line_s_maker() -> None:
    ident, verdict = _identify(("onvif.model", NR818))
    assert (ident.vendor, ident.platform_vendor) == ("Lorex", "Dahua")
    assert any(e.fingerprint == "model:lorex-nr-nvr" for e in ident.evidence)
    # one medium witness: named, and held at review, as any other medium witness
    assert verdict.classification.value == "review"
    assert "Dahua" in verdict.reasons[0]


def test_a_line_the_platform_does_not_build_names_the_brand_only() -> None:
    ident, _ = _identify(("onvif.model", LNK7108A))
    assert (ident.vendor, ident.platform_vendor) == ("Lorex", None)


def test_a_grammar_platform_needs_a_relation_from_the_brand(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the repository's registry passes; the same grammar pointed at a maker Lorex has no relation to fails
    assert not [p for p in run_checks(DB, check_ieee=False) if "platform" in str(p)]
    text = (REPO_DB / "vendors.yaml").read_text(encoding="utf-8")
    marker = "        platform: Dahua\n        note: Firmware file names on the brand's server and a tested-device list"
    assert marker in text
    import shutil

    root = tmp_path / "db"
    shutil.copytree(REPO_DB, root)
    (root / "vendors.yaml").write_text(text.replace(marker, marker.replace("Dahua", "Axis", 1)), encoding="utf-8")
    problems = [str(p) for p in run_checks(load_database(root, strict=False), check_ieee=False)]
    assert any("lorex-nr-nvr names platform Axis but Lorex has no relation to it" in p for p in problems), problems


def test_a_maker_s_line_built_by_another_maker_names_both() -> None:
    # TRENDnet makes its own network gear; its TV-IP3xxPI cameras run Hikvision's firmware
    # (https://github.com/scottlamb/hikvision-tftpd/issues/7: a TV-IP321PI)
    ident, _ = _identify(("onvif.model", "TV-IP321PI"))
    assert (ident.vendor, ident.platform_vendor) == ("TRENDnet", "Hikvision")


def test_a_lorex_line_whose_firmware_files_are_mixed_names_the_brand_only() -> None:
    # LNR6108 is a Dahua build, LNR408 shows no Dahua hardware id (Lorex's relation note): the
    # LNR grammar names Lorex, not a platform
    ident, _ = _identify(("onvif.model", "LNR6108"))
    assert (ident.vendor, ident.platform_vendor) == ("Lorex", None)
