"""Real readers of the files casereview publishes: LibreOffice (headless) and poppler, for the tests.

``soffice`` opens a spreadsheet or converts it (to CSV, ODS, XLSX or PDF) exactly as a person's
LibreOffice would; each call has its own user profile, so parallel test workers never share one.
``pages_png`` draws a PDF's pages as PNG (poppler's ``pdftoppm``).  ``SCREENSHOTS`` is where a test puts
what a person should look at (``test-results/screenshots/``, kept by CI as test artefacts).

Missing programs skip the test, and ``CASEREVIEW_REQUIRE_ALL=1`` (as ``.ci/run`` sets, after installing
Debian's ``libreoffice-calc-nogui`` and ``poppler-utils``) turns that skip into a failure.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-results" / "screenshots"


def installed_program(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (Debian's {package}; .ci/run installs it)")
    return found


def _convert(source: Path, to: str, outdir: Path, made: Path) -> Path:
    """Run headless LibreOffice once (its own user profile) to convert ``source``; ``made``, checked."""
    program = installed_program("soffice", "libreoffice-calc-nogui")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        done = subprocess.run(
            [
                program,
                "--headless",
                "--norestore",
                f"-env:UserInstallation=file://{profile}",
                "--convert-to",
                to,
                "--outdir",
                str(outdir),
                str(source),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0 and made.exists(), (
        f"LibreOffice could not open {source.name}: {done.stdout} {done.stderr}"
    )
    return made


def soffice(source: Path, to: str, outdir: Path) -> Path:
    """Convert ``source`` with headless LibreOffice (``to``: "pdf", "csv", "ods", "xlsx" …); the new file."""
    return _convert(source, to, outdir, outdir / f"{source.stem}.{to.split(':')[0]}")


def pages_png(pdf: Path, outdir: Path, *, resolution: int = 80) -> list[Path]:
    """Each page of ``pdf`` drawn as ``outdir/<stem>-N.png`` (poppler's pdftoppm); the files in order."""
    program = installed_program("pdftoppm", "poppler-utils")
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [program, "-png", "-r", str(resolution), str(pdf), str(outdir / pdf.stem)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return sorted(outdir.glob(f"{pdf.stem}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def soffice_sheet_csv(source: Path, sheet: int, name: str, outdir: Path) -> Path:
    """One sheet (1 is the first) of a spreadsheet as LibreOffice's CSV of it (UTF-8, cells as shown).

    LibreOffice names the file of one sheet ``<stem>-<sheet name>.csv``; ``name`` is that sheet's name."""
    options = f"44,34,76,1,,1033,false,true,true,false,false,{sheet}"
    return _convert(
        source,
        f"csv:Text - txt - csv (StarCalc):{options}",
        outdir,
        outdir / f"{source.stem}-{name}.csv",
    )
