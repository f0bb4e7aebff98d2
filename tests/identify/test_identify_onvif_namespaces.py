"""The XML namespaces a firmware declares on its ONVIF envelopes (``onvif.namespace``) name whose
firmware it is, even when the device refuses GetDeviceInformation. The namespace values are what
real devices declared (sources beside them); the database is the repository's.
"""

from __future__ import annotations

import pytest
from identify_fixtures import REPO_DB, identify_alone

from scanner.identify import load_database
from scanner.models import Classification

# RiftValleySoftware/RVS_ONVIF RVS_ONVIF/GenericTests/Mocks/HikvisionDS2CD2143G0IMock.swift
# @953b2d5b857fe0353a78f47f444b09983d5cf669 (a DS-2CD2143G0-I's envelope declarations)
HIKVISION = (
    ("onvif.namespace", "http://www.hikvision.com/2011/event/topics"),
    ("onvif.namespace", "http://www.onvifext.com/onvif/ext/ver10/wsdl"),
    ("onvif.namespace", "http://www.onvifext.com/onvif/ext/ver10/schema"),
)
# faithoflifedev/easy_onvif_workspace packages/easy_onvif/test/xml/ (an XM530 camera, Sunba 405,
# @efb595954d98bf710e365340ca5d26f8705776f2): Xiongmai firmware declares the renamed event-topics
# namespace an unbranded Hikvision PTZ also declares, so it names no one
RENAMED_TOPICS = ("onvif.namespace", "http://www.eventextension.com/2011/event/topics")
# hawkeye64/onvif-nvt test/data/xml/axis/core/GetDeviceInformation.Response.xml @9026ce08d7b0c73bc519035492e98390b574580c
AXIS = (("onvif.namespace", "http://www.axis.com/2009/event/topics"), ("onvif.namespace", "http://www.axis.com/vapix/ws/webserver"))


@pytest.fixture(scope="module")
def db():  # type: ignore[no-untyped-def]
    return load_database(REPO_DB)


def test_a_refusing_hikvision_camera_is_named_by_its_namespaces_and_left_for_review(db) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = identify_alone(db, ("onvif.utc_time", "2023-05-24T21:25:05Z"), *HIKVISION)
    assert ident.platform_vendor == "Hikvision"
    # medium: a firmware may copy Hikvision's envelope for "Hikvision compatible" recorders
    assert ident.support_strength == "medium" and verdict.classification is Classification.REVIEW, verdict.reasons


def test_the_namespaces_with_another_field_of_the_answer_restrict(db) -> None:  # type: ignore[no-untyped-def]
    # the same envelope's FirmwareVersion in Hikvision's build form (evercam-server#10's DS-2DF7286-A)
    ident, verdict = identify_alone(db, *HIKVISION, ("onvif.firmware", "V5.1.8 build 140616"))
    assert ident.platform_vendor == "Hikvision" and ident.support_fields >= 2
    assert verdict.classification is Classification.RESTRICTED, verdict.reasons


def test_axis_namespaces_name_axis_and_a_renamed_topic_names_no_one(db) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = identify_alone(db, *AXIS)
    assert ident.platform_vendor == "Axis" and verdict.classification is Classification.CLEAR, verdict.reasons
    ident, _ = identify_alone(db, RENAMED_TOPICS)
    assert ident.platform_vendor is None and ident.vendor is None


# The prefix tables of the same envelopes (onvif.prefixes, as parse_namespaces writes them): the
# DS-2CD2143G0-I's (RVS_ONVIF mock above) and the XM530's (easy_onvif, above), which copies
# Hikvision's renamed topics namespace but not Hikvision's SOAP stack.
HIKVISION_PREFIXES = ("onvif.prefixes", "env,soapenc,xsi,xs,tt,tds,trt,timg,tev,tptz,tan,tst,ter,dn,tns1,tmd,wsdl,"
                      "wsoap12,http,d,wsadis,wsnt,wsa,wstop,wsrf-bf,wsntw,wsrf-rw,wsaw,wsrf-r,trc,tse,trp,tnshik,"
                      "hikwsd,hikxsd,tas,tr2,axt")
XM530_PREFIXES = ("onvif.prefixes", "SOAP-ENV,SOAP-ENC,xsi,xsd,xs,wsse,wsa5,xop,wsa,tt,ns1,wstop,ns7,ns2,dndl,dnrd,d,dn,"
                  "ns10,ns11,ns13,ns14,tan,ns15,ns16,tev,ns17,ns18,ns19,ns20,ns21,ns22,wsnt,ns3,ns4,ns5,ns8,ns9,tds,"
                  "timg,tptz,trt,trt2,ter,tns1,tnsn")


def test_hikvisions_soap_stack_names_it_and_with_its_namespaces_restricts_a_refusing_camera(db) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = identify_alone(db, HIKVISION_PREFIXES)
    assert ident.platform_vendor == "Hikvision" and verdict.classification is Classification.REVIEW, verdict.reasons
    # GetSystemDateAndTime of a camera that refuses GetDeviceInformation: its namespaces and its
    # stack's prefix table are two fields of the answer, matched by two fingerprints
    ident, verdict = identify_alone(db, ("onvif.utc_time", "2023-05-24T21:25:05Z"), *HIKVISION, HIKVISION_PREFIXES)
    assert ident.platform_vendor == "Hikvision" and ident.support_fields >= 2
    assert verdict.classification is Classification.RESTRICTED, verdict.reasons


def test_a_clone_that_copies_hikvisions_namespace_but_not_its_stack_names_no_one(db) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = identify_alone(db, RENAMED_TOPICS, XM530_PREFIXES)
    assert ident.platform_vendor is None and verdict.classification is not Classification.RESTRICTED
