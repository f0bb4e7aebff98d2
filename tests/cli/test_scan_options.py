"""`cctv-scan scan --interface / --scope-file / --credentials`: where the scope comes from, what a
bad file does (one line, exit 2, nothing sent), and that public ranges stay refused whatever
the source. Every scan runs inside a network namespace the test builds (veth pairs kept inside it,
no route out) or inside a lab, never in the root namespace."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.errors import ScopeError
from scanner.targets import parse_scope_file
from tests.lab.conftest import can_build_labs, needs_lab

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Opt-Test-Secret-91"


# -- the scope file, parsed --------------------------------------------------------------------

def test_scope_file_lines_are_targets_exclusions_and_comments():
    text = (
        "# site A\n"
        "198.18.10.0/24\n"
        "  198.18.11.7   # the NVR\n"
        "\n"
        "!198.18.10.1\n"
        "exclude 198.18.10.240/28\n"
        "EXCLUDE\t198.18.10.5\n"
    )
    got = parse_scope_file(text)
    assert got.targets == ("198.18.10.0/24", "198.18.11.7")
    assert got.excludes == ("198.18.10.1", "198.18.10.240/28", "198.18.10.5")


@pytest.mark.parametrize("line", ["198.18.10.300", "example.com", "exclude", "!", "198.18.10.0/33"])
def test_a_bad_scope_file_line_is_named_by_its_number(line):
    with pytest.raises(ScopeError, match="line 3"):
        parse_scope_file(f"# header\n198.18.10.0/24\n{line}\n", "sites.txt")


# -- the command, inside a namespace of our own -------------------------------------------------

def add_link(ns: str, ifname: str, *cidrs: str, up: bool = True) -> None:
    """A veth pair ``ifname`` / ``ifname``p, both ends in namespace ``ns``, addresses on the first."""
    def ip(*args: str) -> None:
        subprocess.run(["ip", "-n", ns, *args], check=True, capture_output=True, timeout=20)

    ip("link", "add", ifname, "type", "veth", "peer", "name", f"{ifname}p")
    for cidr in cidrs:
        ip("addr", "add", cidr, "dev", ifname)
    if up:
        ip("link", "set", f"{ifname}p", "up")
        ip("link", "set", ifname, "up")


class Namespace:
    """A network namespace with only loopback and veth pairs whose both ends stay inside it:
    nothing can leave it. (Each pair's far end carries no address, so nothing answers.)"""

    def __init__(self) -> None:
        self.name = f"cctvopt-{os.getpid() % 100000}-{secrets.token_hex(2)}"
        self.ip("netns", "add", self.name)
        self.ip("-n", self.name, "link", "set", "lo", "up")

    def ip(self, *args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True, timeout=20)

    def link(self, ifname: str, *cidrs: str, up: bool = True) -> None:
        add_link(self.name, ifname, *cidrs, up=up)

    def scan(self, *args: str) -> subprocess.CompletedProcess:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        return subprocess.run(["ip", "netns", "exec", self.name, sys.executable, "-m", "scanner", "scan", *args],
                              capture_output=True, text=True, timeout=120, env=env, cwd=str(ROOT))

    def close(self) -> None:
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=20)


@pytest.fixture(scope="module")
def ns():
    if not can_build_labs():
        pytest.skip("needs root and iproute2 to build network namespaces")
    space = Namespace()
    try:
        space.link("cdum0", "198.18.231.1/28")
        space.link("cdum1", "198.18.232.1/28", "198.18.233.1/29")
        space.link("cdpub0", "8.8.4.1/28", up=False)  # down: no route, nothing could be sent
        yield space
    finally:
        space.close()


def scan_doc(ns: Namespace, tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "scan.json"
    proc = ns.scan(*args, "--probes", "wsd", "--timeout", "0.2", "--quiet", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


def one_line_error(proc: subprocess.CompletedProcess, exit_code: int = 2) -> str:
    assert proc.returncode == exit_code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip() and "raw-socket" not in line]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_without_targets_the_scope_is_the_subnets_of_the_named_interfaces(ns, tmp_path):
    assert scan_doc(ns, tmp_path, "--interface", "cdum0")["scan"]["scope"] == ["198.18.231.0/28"]
    both = scan_doc(ns, tmp_path, "-i", "cdum0", "-i", "cdum1")["scan"]["scope"]
    assert both == ["198.18.231.0/28", "198.18.232.0/28", "198.18.233.0/29"]


def test_targets_given_with_an_interface_are_the_scope(ns, tmp_path):
    doc = scan_doc(ns, tmp_path, "198.18.231.0/29", "--interface", "cdum1")
    assert doc["scan"]["scope"] == ["198.18.231.0/29"]


def test_a_scope_file_adds_targets_and_exclusions_to_those_given(ns, tmp_path):
    scope = tmp_path / "sites.txt"
    scope.write_text("# lab\n198.18.232.0/28\n!198.18.232.1\nexclude 198.18.232.8/29\n")
    doc = scan_doc(ns, tmp_path, "198.18.231.0/28", "--scope-file", str(scope), "--exclude", "198.18.231.1")
    assert doc["scan"]["scope"] == ["198.18.231.0/28", "198.18.232.0/28", "!198.18.231.1/32", "!198.18.232.1/32", "!198.18.232.8/29"]
    assert scan_doc(ns, tmp_path, "--scope-file", str(scope), "-i", "cdum0")["scan"]["scope"][0] == "198.18.232.0/28"


def test_public_ranges_are_refused_from_every_scope_source(ns, tmp_path):
    scope = tmp_path / "sites.txt"
    scope.write_text("198.18.231.0/28\n8.8.8.0/29\n")
    for args in (["8.8.8.0/29"], ["--scope-file", str(scope)], ["--interface", "cdpub0"]):
        line = one_line_error(ns.scan(*args, "--probes", "arp"))
        assert "--allow-public" in line, args


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "no targets given"),
        (["--interface", "cdnosuch9"], "cdnosuch9"),
        (["--scope-file", "/nonexistent/sites.txt"], "cannot read scope file"),
    ],
)
def test_a_scope_that_cannot_be_built_is_one_line_and_exit_2(ns, args, message):
    assert message in one_line_error(ns.scan(*args))


def _credentials(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "creds.yaml"
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.mark.parametrize(
    "text, mode, message",
    [
        (f"default: {{username: admin, password: {PASSWORD}}}\n", 0o644, "chmod 600"),
        (f"default: {{username: admin, password: {PASSWORD}\n", 0o600, "not valid YAML"),
        (f"default: {{username: admin}}\nhosts: {{x: {{password: {PASSWORD}}}}}\n", 0o600, "needs a username and a password"),
        ("[]\n", 0o600, "must be a mapping"),
    ],
)
def test_a_bad_credentials_file_is_one_line_exit_2_and_never_shows_the_password(ns, tmp_path, text, mode, message):
    path = _credentials(tmp_path, text, mode)
    proc = ns.scan("198.18.231.0/28", "--credentials", str(path))
    assert message in one_line_error(proc)
    assert PASSWORD not in proc.stdout + proc.stderr


def test_a_missing_credentials_file_is_one_line_and_exit_2(ns, tmp_path):
    assert "cannot read credentials file" in one_line_error(ns.scan("198.18.231.0/28", "--credentials", str(tmp_path / "none.yaml")))


def test_a_good_credentials_file_is_accepted_and_stays_out_of_the_document(ns, tmp_path):
    path = _credentials(tmp_path, f"default: {{username: admin, password: {PASSWORD}}}\n")
    out = tmp_path / "scan.json"
    proc = ns.scan("198.18.231.0/28", "--credentials", str(path), "--probes", "wsd", "--timeout", "0.2", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert PASSWORD not in proc.stdout + proc.stderr + out.read_text()


def test_help_explains_the_new_options_with_examples():
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", "--help"], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, COLUMNS="200"), cwd=str(ROOT))
    assert proc.returncode == 0
    for text in ("--interface", "--scope-file", "--credentials", "scan --interface eth1 --interface eth2",
                 "--scope-file sites.txt --credentials onvif.yaml", "exclude 10.20.0.0/28", "chmod 600"):
        assert text in proc.stdout, text


# -- the interface restricts where ARP and multicast discovery go ------------------------------

@pytest.mark.lab
@needs_lab
def test_arp_and_multicast_discovery_go_only_out_of_the_named_interface(tmp_path):
    from scanner.lab import Lab

    with Lab(["hikvision-ds-2cd2143g2-i"]) as lab:
        add_link(lab.scanner_ns, "cdum0", "198.18.201.1/24")
        docs = {}
        for ifname in ("eth0", "cdum0"):
            out = tmp_path / f"{ifname}.json"
            proc = lab.run([sys.executable, "-m", "scanner", "scan", lab.subnet, "--interface", ifname, "--probes", "arp,sadp",
                            "--timeout", "0.5", "--quiet", "--json", str(out)],
                           capture_output=True, text=True, timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=str(ROOT))
            assert proc.returncode == 0, proc.stderr
            docs[ifname] = json.loads(out.read_text())
        camera = lab.devices[0]
    through_eth0 = {d["ip"]: d for d in docs["eth0"]["devices"]}
    assert {e["probe"] for e in through_eth0[camera.ip]["evidence"]} >= {"arp", "sadp"}
    assert docs["cdum0"]["devices"] == []
    assert docs["cdum0"]["scan"]["attempts"]["arp"] == {"skipped": 1}
    assert docs["cdum0"]["scan"]["attempts"]["sadp"] == {"skipped": 1}
