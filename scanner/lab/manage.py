"""Labs that outlive the calling process: ``lab up``, ``lab down``, ``lab status``."""

from __future__ import annotations

from ..errors import LabError
from . import _netns
from .lab import Lab
from .state import NS_PREFIX, LabState, check_lab_id, read_state, recorded_lab_ids, remove_state


def lab_up(profiles: list[str] | None, lab_id: str | None = None, *, subnet: str = "198.18.0.0/24",
           block_multicast: frozenset[str] | set[str] = frozenset()) -> LabState:
    """Build a lab whose device processes keep running after this process exits; return its state.

    Remove it with ``lab_down(state.lab_id)``.
    """
    lab = Lab(profiles, lab_id=lab_id, subnet=subnet, block_multicast=block_multicast, persistent=True)
    lab.build()
    return lab.detach()


def lab_down(lab_id: str | None = None) -> list[str]:
    """Remove one lab, or (``None``) every recorded lab not held open by a live process, plus any
    leftover ``cctvlab-`` namespace no lab records. Returns the lab ids (or stray namespaces)
    removed. Only device processes of the lab (checked by their command line) are killed."""
    removed: list[str] = []
    if lab_id is not None:
        check_lab_id(lab_id)
        state = read_state(lab_id)
        leftovers = [ns for ns in _netns.namespaces() if ns.startswith(f"{NS_PREFIX}{lab_id}-")]
        if state is None and not leftovers:
            raise LabError(f"no lab {lab_id!r} is recorded or running")
        _remove(lab_id, state, leftovers)
        return [lab_id]
    recorded_ns: set[str] = set()
    for lid in recorded_lab_ids():
        state = read_state(lid)
        if state is None:
            continue
        if not state.persistent and state.owner_pid and _netns.pid_alive(state.owner_pid):
            recorded_ns.update(state.namespaces)  # a live process holds it and will tear it down itself
            continue
        _remove(lid, state, [ns for ns in _netns.namespaces() if ns.startswith(f"{NS_PREFIX}{lid}-")])
        removed.append(lid)
    for ns in _netns.namespaces():
        if ns.startswith(NS_PREFIX) and ns not in recorded_ns:
            _kill_namespace_processes(ns)
            _netns.delete(ns)
            removed.append(ns)
    return removed


def lab_status() -> list[LabState]:
    """Every recorded lab, with ``healthy`` telling whether all its namespaces and devices are up."""
    out = []
    present = set(_netns.namespaces())
    for lid in recorded_lab_ids():
        state = read_state(lid)
        if state is None:
            continue
        healthy = set(state.namespaces) <= present and all(_netns.pid_alive(p) for p in state.pids) \
            and len(state.pids) == len(state.devices)
        out.append(LabState(**{**state.__dict__, "healthy": healthy}))
    return out


def _remove(lab_id: str, state: LabState | None, leftovers: list[str]) -> None:
    if state is not None:
        _netns.stop_processes([p for p in state.pids if _netns.is_lab_process(p)])
    for ns in sorted(set(leftovers) | set(state.namespaces if state else ())):
        _kill_namespace_processes(ns)
        _netns.delete(ns)
    remove_state(lab_id)
    from .lab import _remove_logs

    _remove_logs(lab_id)


def _kill_namespace_processes(ns: str) -> None:
    _netns.stop_processes(_netns.pids_in(ns), grace=1.0)
