"""Turn an identity into a verdict under a policy: restricted, review, clear or unidentified.

The evidence rule (README, 'Verdicts', and ``cctv-scan scan --help`` say the same): a device is
``restricted`` only when the policy covers its maker or brand *and* the evidence is enough: one
strong witness, or two or more independent probes agreeing, or a medium witness corroborated by
a second, independent field of the same response (identity.py says what independent means), with
confidence at least the policy's ``min_confidence`` (or below it only because witnesses disagree on
the maker, when the policy covers every maker and brand they name). A covered maker named by a single medium or
weak witness is ``review``, with that reason. A PRC-organised maker named that weakly is never ``clear`` either.
A brand known only as the IEEE registrant of a MAC never restricts.

Every verdict comes with sentences a removal officer can read in a terminal. The first is one
short sentence: who made the device, the brand it is sold under if different, and the policy (or
list) that decides it. The sentences after it carry the detail: the legal citation, the relation
that links a brand to its maker, the points a reviewer must check, each naming its source. The order
of the rules is the order of the questions a reviewer would ask: is it surveillance equipment at
all; do we know who made it; does the policy cover that company (or the brand it is sold under);
if not, is there a tie, a relation or a doubt that needs a human; otherwise it is clear.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Classification, DeviceType
from .identity import Identity
from .policy import Coverage, Policy
from .vendors import VendorDB

_VIDEO = (DeviceType.CAMERA, DeviceType.NVR, DeviceType.DVR, DeviceType.ENCODER, DeviceType.INTERCOM)


@dataclass(frozen=True, slots=True)
class Verdict:
    classification: Classification
    reasons: tuple[str, ...]


def classify(identity: Identity, policy: Policy, vdb: VendorDB) -> Verdict:
    ident, p = identity, policy
    maker, brand = ident.platform_vendor, ident.vendor
    under = f"under {p.title}"

    if ident.software_only:
        sv = vdb.get(ident.software)
        what = (f"the maker of its network module ({ident.software})" if sv is not None and sv.kind == "component"
                else f"generic server software ({ident.software})")
        if ident.device_type in _VIDEO:
            return _review(f"A {ident.device_type.value} showing only {what}; its maker could not be named.")
        return Verdict(
            Classification.UNIDENTIFIED,
            (f"Only {what} was identified; that does not say who made the device.",),
        )

    if maker is None and brand is None:
        if ident.device_type in _VIDEO and p.review_video_without_maker:
            return _review(f"A {ident.device_type.value} whose maker could not be determined: evidence too weak to decide under {p.name}.")
        return Verdict(Classification.UNIDENTIFIED, ("No fingerprint named a maker or brand for this device.",))

    who = _who(brand, maker)
    cover_maker = p.coverage(maker, vdb)
    cover_brand = p.coverage(brand, vdb) if brand != maker else None

    if ident.declared_unknown and not (cover_maker or cover_brand):
        said = (f"It declares its manufacturer as {brand}, which the vendor database does not know: its ownership "
                "and platform are unknown; check it by hand.")
        if ident.device_type in _VIDEO:
            return _review(f"A {ident.device_type.value}. {said}")
        return Verdict(Classification.UNIDENTIFIED, (said,))
    if ident.fallback_brand and not (cover_maker or cover_brand):
        if ident.device_type in _VIDEO:
            return _review(f"A {ident.device_type.value} whose MAC is registered to {brand}, which the vendor database does not know: "
                           "that names the network card's maker, not necessarily the device's; check it by hand.")
        return Verdict(
            Classification.UNIDENTIFIED,
            (f"Only the IEEE registrant of its MAC names it ({brand}); that is not enough to say who made the device.",),
        )

    if ident.device_type.value not in p.device_types:
        if cover_maker or cover_brand:
            c = cover_maker or cover_brand
            assert c is not None
            return _review(
                f"{who}, identified as {ident.device_type.value} equipment, not visual surveillance equipment: check whether {p.name} applies.",
                _cite(c, p),
            )
        return Verdict(
            Classification.CLEAR,
            (f"Identified as a non-surveillance device ({ident.device_type.value}, {maker or brand}); outside the scope of {p.name}.",),
        )

    if cover_maker is not None:
        return _covered_maker(ident, p, cover_maker, vdb)
    if cover_brand is not None:
        return _with_confidence(ident, p, vdb, f"{who}: the brand is {cover_brand.short}, covered by {p.name}.", _cite(cover_brand, p))

    # Not covered. Is there anything a human must look at?
    reviews: list[str] = []
    for covered_name in ident.candidates:
        c = p.coverage(covered_name, vdb)
        if c is not None:
            reviews.append(
                f"Evidence disagrees: some witnesses name {covered_name}, which {p.title} covers, while the "
                f"strongest name {maker}; check the device by hand (source: {c.source})."
            )
            break
    for name in dict.fromkeys(n for n in (brand, maker) if n):
        v = vdb.get(name)
        if v is None:
            if p.review_unknown_vendor:
                reviews.append(f"{name} is not in the vendor database, so its ownership and maker are unknown.")
            continue
        if v.ownership_unknown:
            if p.review_unknown_vendor:
                reviews.append(
                    f"{v.display} is a maker the vendor database knows by name, but no source it holds says where "
                    "the company is organised or who owns it; establish that before clearing the device."
                )
            continue
        if v.prc_organised and p.review_prc_organised:
            reviews.append(
                f"{v.display} is organised in the PRC but is not covered {under}; review it against the policy "
                f"(source: {v.source})."
            )
        if v.prc_organised is False and v.prc_ties and p.review_prc_ties:
            reviews.append(f"{v.display} is organised in {v.country} but has ties to the PRC: {v.prc_ties} (source: {v.source}).")
        related = p.covered_relation(v, vdb)
        if related is not None:
            reviews.append(
                f"{related[0]}, a company {p.title} covers; this device's platform was not confirmed on the wire "
                f"(source: {related[1]})."
            )
        if v.prc_organised and not ident.enough_to_restrict and not p.review_prc_organised:
            reviews.append(
                f"{v.display} is organised in the PRC and is named only by {ident.support_text()}; "
                "confirm the maker before clearing it."
            )
    if ident.confidence < p.min_confidence:
        reviews.append(f"Identified as {maker or brand} only on weak evidence (confidence {ident.confidence:.2f}).")
    if reviews:
        return Verdict(Classification.REVIEW, (f"{who}: not covered by {p.name}, but needs review.", *reviews))
    v = vdb.get(maker)
    where = f", organised in {v.country}" if v is not None and v.country != "--" else ""
    legal = v.display if v is not None else maker
    cite = f" (source: {v.source})" if v is not None else ""
    return Verdict(Classification.CLEAR, (f"{who}: not covered by {p.name}.", f"{legal}{where}{cite}."))


def _who(brand: str | None, maker: str | None) -> str:
    """'Made by Hikvision' or 'Sold as LTS, made by Hikvision': the start of every first reason."""
    if brand and maker and brand != maker:
        return f"Sold as {brand}, made by {maker}"
    return f"Made by {maker or brand}"


def _cite(c: Coverage, p: Policy) -> str:
    """The second reason: the full legal sentence and the policy's full title, with the source."""
    return f"{c.sentence}; {p.title} covers it (source: {c.source})."


def _covered_maker(ident: Identity, p: Policy, c: Coverage, vdb: VendorDB) -> Verdict:
    brand, maker = ident.vendor, ident.platform_vendor
    if ident.platform_inferred is not None:
        rel = ident.platform_inferred
        link = f"{rel.describe(brand or '')} (source: {rel.source})."
        if rel.strength != "documented":
            return _review(
                f"Sold as {brand}, maybe made by {maker} (not confirmed on the wire): review under {p.name}.",
                link,
                _cite(c, p),
            )
        return _with_confidence(
            ident, p, vdb, f"Sold as {brand}, a {maker} {rel.type}: {c.short}, covered by {p.name}.", link, _cite(c, p)
        )
    rebrand = " (rebrand)" if brand and brand != maker else ""
    return _with_confidence(ident, p, vdb, f"{_who(brand, maker)}{rebrand}: {c.short}, covered by {p.name}.", _cite(c, p))


def _with_confidence(ident: Identity, p: Policy, vdb: VendorDB, first: str, *detail: str) -> Verdict:
    if ident.confidence < p.min_confidence:
        covered_all = _every_candidate_covered(ident, p, vdb)
        if covered_all is None or not ident.enough_to_restrict:
            return _review(f"Weak evidence (confidence {ident.confidence:.2f}) for: {first}", *detail)
        # The confidence is low because witnesses disagree on the maker, but every maker and brand
        # any witness names is one the policy covers: whichever is right, the device is covered.
        return Verdict(
            Classification.RESTRICTED,
            (first, *detail, f"Witnesses disagree on the maker ({covered_all}; confidence {ident.confidence:.2f}), "
                             f"but {p.name} covers every one they name."),
        )
    if not ident.enough_to_restrict:
        return _review(
            f"Not enough evidence to restrict ({ident.support_text()}) for: {first}",
            EVIDENCE_RULE,
            *detail,
        )
    return Verdict(Classification.RESTRICTED, (first, *detail))


def _every_candidate_covered(ident: Identity, p: Policy, vdb: VendorDB) -> str | None:
    """The makers and brands the witnesses name, when they disagree (a conflict no registry relation
    explains) and the policy covers each of them; else None."""
    names = [n for n in ident.candidates if n]
    if len(names) < 2 or ident.fallback_brand or not ident.unexplained_conflicts:
        return None  # no disagreement: the confidence is low because the support is
    if any(p.coverage(n, vdb) is None for n in names):
        return None
    return ", ".join(names)


EVIDENCE_RULE = (
    "Restricted needs one strong witness, two independent probes agreeing, or a medium witness and another "
    "field of the same response (README, 'Verdicts')."
)


def _review(first: str, *detail: str) -> Verdict:
    return Verdict(Classification.REVIEW, (first, *detail))
