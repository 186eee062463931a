"""Regenerate the README's screenshot: the demo's self-assessment matrix (index.html), first page, as PNG.

Run: ``python bench/screenshot.py [DEMO_OUT]`` after ``qualiopi-sync demo`` (default ./qualiopi-demo).
Needs ``pdftoppm`` (poppler-utils).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from weasyprint import CSS, HTML

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "examples" / "self-assessment.png"


def main() -> None:
    demo = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("qualiopi-demo")
    page = CSS(string="@page { size: 430mm 150mm; margin: 6mm } body { max-width: none; font-size: 11px }")
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "index.pdf"
        HTML(filename=str(demo / "index.html"), media_type="screen").write_pdf(pdf, stylesheets=[page])
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(OUT.with_suffix(""))], check=True)
    print(OUT)


if __name__ == "__main__":
    main()
