"""Measurement: which legacy code page a short CSV is in — charset_normalizer vs narrascope.csvsniff (issue 14 §4).

    python bench/csv_encoding.py [--data ../shared/data] [--files 400]

Builds coded-file-like CSVs of 1 to 5 rows (``id,label,text``, CRLF, as Excel writes them) from real Persian
sentences (UD Seraji test set, Arabic ي as Windows-1256 holds them) in cp1256 and from authored
French/German/Spanish/Portuguese sentences in cp1252, and asks three detectors which code page each file is in:
charset_normalizer free to choose, charset_normalizer limited to cp1252/cp1256, and narrascope's
``detect_encoding``. Prints the share each got right, per language. Fails (exit 1) when narrascope's detector
misreads a file. Writes nothing; the numbers are quoted in docs/benchmarks.md and in narrascope/csvsniff.py.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from narrascope.csvsniff import detect_encoding  # noqa: E402

WESTERN = [
    "Le café de la gare ouvre à neuf heures.", "Élève, où êtes-vous ?", "Müller grüßt die Straße.",
    "El niño comió en Año Nuevo según la información.", "São Paulo é uma cidade enorme.", "Søren bor i Århus.",
    "Ça va très bien, merci.", "Les élèves français étudient l'économie.", "La señora Núñez llegó tarde.",
    "Über den Wolken muß die Freiheit grenzenlos sein.", "Crème brûlée à la façon de Renée.",
    "Die Regierung kündigte am Dienstag neue Maßnahmen an.",
]


def persian(data: Path) -> list[str]:
    conllu = data / "persian" / "ud_persian_seraji" / "fa_seraji-ud-test.conllu"
    out = []
    for line in conllu.read_text(encoding="utf-8").splitlines():
        if line.startswith("# text = "):
            text = line[9:].replace("ی", "ي")
            try:
                text.encode("cp1256")
            except UnicodeEncodeError:
                continue
            out.append(text)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[1])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--files", type=int, default=400)
    args = ap.parse_args()
    try:
        import charset_normalizer as cn
    except ImportError:
        print("charset_normalizer is not installed (it comes with trafilatura): nothing to compare")
        return 0
    if not (args.data / "persian").is_dir():
        print(f"{args.data}/persian is absent: the Persian sentences come from there; skipped")
        return 0
    sentences = {"Persian (cp1256)": (persian(args.data), "cp1256"), "Western (cp1252)": (WESTERN, "cp1252")}
    rng = random.Random(1)
    right: dict[tuple[str, str], int] = collections.Counter()
    files: dict[str, int] = collections.Counter()
    misread = []
    for _ in range(args.files):
        language = rng.choice(sorted(sentences))
        pool, codec = sentences[language]
        texts = rng.sample(pool, min(len(pool), rng.choice([1, 1, 2, 5])))
        raw = ("id,label,text\r\n" + "".join(f'{i},1,"{t}"\r\n' for i, t in enumerate(texts))).encode(codec)
        files[language] += 1
        best = cn.from_bytes(raw).best()
        right[language, "free"] += bool(best and raw.decode(best.encoding, "replace") == raw.decode(codec))
        best = cn.from_bytes(raw, cp_isolation=["cp1252", "cp1256"]).best()
        right[language, "limited"] += bool(best and best.encoding == codec)
        ours = detect_encoding(raw)[0]
        right[language, "narrascope"] += ours == codec
        if ours != codec:
            misread.append((language, texts))
    print("| files | charset_normalizer (any encoding) | charset_normalizer (cp1252/cp1256) | narrascope |")
    print("|---|---:|---:|---:|")
    for language in sorted(sentences):
        n = files[language]
        print(f"| {language}: {n} | " + " | ".join(f"{right[language, k]}/{n}" for k in
                                                      ("free", "limited", "narrascope")) + " |")
    total = sum(files.values())
    print(f"| all: {total} | " + " | ".join(f"{sum(right[lang, k] for lang in sentences)}/{total}" for k in
                                          ("free", "limited", "narrascope")) + " |")
    if misread:
        print(f"narrascope misread {len(misread)} file(s), e.g. {misread[0]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
