"""Measurement: how well saved pages are decoded — the detector alone, and narrascope's decode_page (issue 10 §3).

    python bench/page_encoding.py [--data ../shared/data] [--pages 10]

Builds pages from real text — Persian sentences of the UD Seraji treebank, Arabic and English paragraphs of the two
news pages in ``html/news_pages`` — and from authored French/German and Russian sentences, at four text sizes
(150 B to 30 KB), encodes each in the legacy code page of its language (Persian written with Arabic ي ك, as
windows-1256 pages were) and in UTF-8, and declares the charset four ways: not at all, correctly but late (after
2 KB of inline script), wrongly (utf-8 on a legacy page, iso-8859-1 on a UTF-8 or Arabic page), and in the HTTP
header only. Prints, per language and declaration, the share of pages whose text came back exactly for
charset_normalizer on its own (all encodings), charset_normalizer limited to narrascope's candidates, and
``decode_page``. Writes nothing; the numbers are quoted in docs/formats.md ("News articles").
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
from pathlib import Path

import lxml.html

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from narrascope.ingest.page_encoding import DETECTOR_CANDIDATES, decode_page  # noqa: E402

FRENCH_GERMAN = [
    "Les manifestants se sont réunis à Paris où la police a arrêté des dizaines de personnes, selon le préfet.",
    "L'économie française a connu une croissance plus faible que prévu, d'après l'Insee, malgré la hausse.",
    "Die Regierung kündigte am Dienstag neue Maßnahmen an, um die Preise für Lebensmittel zu senken.",
    "Über die Hälfte der Bürger äußerte sich skeptisch gegenüber der Reform, berichtete die Zeitung.",
]
RUSSIAN = [
    "Правительство объявило о новых мерах по снижению цен на продукты питания.",
    "По данным агентства, протестующие собрались в центре города, полиция задержала десятки человек.",
]


def _paragraphs(path: Path) -> list[str]:
    tree = lxml.html.document_fromstring(path.read_bytes())
    return [p.text_content().strip() for p in tree.xpath("//p") if len(p.text_content().strip()) > 40]


def sources(data: Path) -> dict[str, tuple[list[str], str]]:
    """language → (paragraphs, legacy code page)."""
    conllu = data / "persian" / "ud_persian_seraji" / "fa_seraji-ud-test.conllu"
    persian = [line[9:].replace("ی", "ي").replace("ک", "ك").replace("\u200c", " ")
               for line in conllu.read_text(encoding="utf-8").splitlines() if line.startswith("# text = ")]
    pages = data / "html" / "news_pages"
    return {
        "Persian": (persian, "cp1256"),
        "Arabic": (_paragraphs(pages / "assabah.com.tn.article.html"), "cp1256"),
        "English": (_paragraphs(pages / "bbc.com.52241221.html"), "cp1252"),
        "French/German": (FRENCH_GERMAN, "cp1252"),
        "Russian": (RUSSIAN, "cp1251"),
    }


def page(body: str, encoding: str, declaration: str) -> tuple[bytes, str | None]:
    """(page bytes, HTTP Content-Type or None) for one way of declaring the charset."""
    label = {"cp1256": "windows-1256", "cp1252": "windows-1252", "cp1251": "windows-1251", "utf-8": "utf-8"}[encoding]
    wrong = "iso-8859-1" if encoding in ("utf-8", "cp1256", "cp1251") else "utf-8"
    script = "<script>var filler = '" + "x" * 2000 + "';</script>"
    meta = {"none": "", "late": script + f'<meta charset="{label}">', "wrong": f'<meta charset="{wrong}">',
            "http": ""}[declaration]
    html = (f"<!doctype html><html><head><title>t</title>{meta}</head><body><p>"
            + body.replace("\n", "</p>\n<p>") + "</p></body></html>")
    return html.encode(encoding, "ignore"), (f"text/html; charset={label}" if declaration == "http" else None)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--pages", type=int, default=10, help="pages per language, encoding, size and declaration")
    args = ap.parse_args()
    if not (args.data / "html" / "news_pages").is_dir():
        print(f"skipped: no sample data at {args.data} (pass --data)")
        return
    from charset_normalizer import from_bytes

    rnd = random.Random(7)
    tally: dict[tuple[str, str, str], collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for lang, (pool, legacy) in sources(args.data).items():
        for encoding in (legacy, "utf-8"):
            for size in (150, 600, 3000, 30000):
                for declaration in ("none", "late", "wrong", "http"):
                    for _ in range(args.pages):
                        parts: list[str] = []
                        while sum(len(p.encode()) for p in parts) < size:
                            parts.append(rnd.choice(pool))
                        body = "\n".join(parts).encode(encoding, "ignore").decode(encoding)
                        data, http = page(body, encoding, declaration)
                        expected = data.decode(encoding)
                        key = (lang, "UTF-8" if encoding == "utf-8" else encoding, declaration)
                        free = from_bytes(data).best()
                        limited = from_bytes(data, cp_isolation=list(DETECTOR_CANDIDATES)).best()
                        tally[key]["pages"] += 1
                        tally[key]["charset_normalizer"] += free is not None and str(free) == expected
                        tally[key]["limited"] += limited is not None and str(limited) == expected
                        tally[key]["decode_page"] += decode_page(data, http).text == expected
    print("| language | encoding | declaration | pages | charset_normalizer | limited to candidates | decode_page |")
    print("|---|---|---|---:|---:|---:|---:|")
    for (lang, encoding, declaration), c in tally.items():
        n = c["pages"]
        print(f"| {lang} | {encoding} | {declaration} | {n} | {c['charset_normalizer'] / n:.0%} | "
              f"{c['limited'] / n:.0%} | {c['decode_page'] / n:.0%} |")
    totals = collections.Counter[str]()
    for c in tally.values():
        totals.update(c)
    print(f"all: {totals['pages']} pages; exact text: charset_normalizer {totals['charset_normalizer']}, limited "
          f"{totals['limited']}, decode_page {totals['decode_page']}")


if __name__ == "__main__":
    main()
