"""The lab: emulated CCTV devices (and negatives) on a private network of namespaces.

It is the other side of the wire: nothing in ``scanner.lab`` imports the scanner's probes,
identification, engine or fingerprints. Public API::

    with Lab(["hikvision-ds-2cd2143g2-i", "axis-p3245-lve"]) as lab:
        lab.run(["curl", "-sI", f"http://{lab.devices[0].ip}/"])

    state = lab_up(["dahua-ipc-hdw2431t-as-s2"]); ...; lab_down(state.lab_id)
"""

from .catalog import ProfileInfo, list_profiles, load_profile, profile_names
from .lab import Lab
from .manage import lab_down, lab_status, lab_up
from .state import LabDevice, LabState

__all__ = [
    "Lab", "LabDevice", "LabState", "ProfileInfo",
    "lab_up", "lab_down", "lab_status", "list_profiles", "load_profile", "profile_names",
]
