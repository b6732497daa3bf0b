"""Vendor the web app's front-end assets from the npm registry, pinned and recorded.

The app must run offline and never load anything from a CDN, so the few browser files it
needs are copied into ``src/evidencia/web/static/vendor/`` and committed. This script is how
they get there: ``npm pack`` fetches the exact version, the tarball's sha512 integrity is
checked against what npm reports, the wanted files are copied out, and
``static/vendor/VERSIONS.json`` records package, version, integrity and licence so a reader
can see (and re-run) where every byte came from.

    python tools/vendor_assets.py           # fetch and copy the pinned versions
    python tools/vendor_assets.py --check   # verify the committed files match VERSIONS.json
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "src" / "evidencia" / "web" / "static" / "vendor"
RECORD = VENDOR / "VERSIONS.json"


@dataclass(frozen=True)
class Asset:
    """One npm package and the files taken from it (path in the tarball -> name here)."""

    package: str
    version: str
    files: dict[str, str]


#: htmx 2.0 rather than 4.0: 2.0 is the mature line the templates are written against
#: (4.0 changes attribute inheritance and request semantics and was new when this was pinned)
ASSETS = [
    Asset(
        "htmx.org",
        "2.0.11",
        {"package/dist/htmx.min.js": "htmx.min.js", "package/LICENSE": "htmx.LICENSE.txt"},
    ),
]


def _npm_pack(spec: str, into: Path) -> dict[str, str]:
    """``npm pack`` one package into ``into``; npm's description of the tarball."""
    done = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(into)],
        check=True,
        capture_output=True,
        text=True,
    )
    described: list[dict[str, str]] = json.loads(done.stdout)
    return described[0]


def _sha512(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _licence(spec: str) -> str:
    done = subprocess.run(
        ["npm", "view", spec, "license"], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def vendor() -> None:
    """Fetch every pinned asset and rewrite VERSIONS.json."""
    VENDOR.mkdir(parents=True, exist_ok=True)
    record: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for asset in ASSETS:
            spec = f"{asset.package}@{asset.version}"
            info = _npm_pack(spec, Path(tmp))
            tarball = Path(tmp) / info["filename"]
            if _sha512(tarball.read_bytes()) != info["integrity"]:
                sys.exit(f"{spec}: the tarball does not match npm's integrity")
            copied: dict[str, str] = {}
            with tarfile.open(tarball) as tar:
                for inside, name in asset.files.items():
                    member = tar.extractfile(inside)
                    if member is None:
                        sys.exit(f"{spec}: {inside} is not a file in the package")
                    data = member.read()
                    (VENDOR / name).write_bytes(data)
                    copied[name] = _sha512(data)
            record[asset.package] = {
                "version": asset.version,
                "integrity": info["integrity"],
                "licence": _licence(spec),
                "files": copied,
            }
            print(f"vendored {spec} -> {', '.join(copied)}")
    RECORD.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def check() -> int:
    """Exit status 1 when a committed file differs from what VERSIONS.json records."""
    record = json.loads(RECORD.read_text(encoding="utf-8"))
    bad = [
        name
        for entry in record.values()
        for name, digest in entry["files"].items()
        if not (VENDOR / name).is_file() or _sha512((VENDOR / name).read_bytes()) != digest
    ]
    for name in bad:
        print(f"{name}: missing or changed since it was vendored", file=sys.stderr)
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify the committed files")
    args = parser.parse_args()
    if args.check:
        return check()
    vendor()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
