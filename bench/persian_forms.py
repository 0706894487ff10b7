"""Measurement: which hamza folds and term expansions are safe, on real Persian vocabulary (issue 10 §2).

    python bench/persian_forms.py [--data ../shared/data/persian]

The vocabulary is every distinct Arabic-script word of the UD Persian Seraji test treebank (600 sentences), the UPDT
sample (Uppsala Persian Dependency Treebank text, 900 KB) and the two Persian UDHR versions, after a light
normalisation that keeps every hamza form (NFC; ي ى → ی, ك → ک; diacritics, tatweel and ZWNJ removed; a decomposed
hamza above on ی و ا ه composed to ئ ؤ أ ۀ). For each candidate rule it prints:

- a *text fold* (applied to every word; ۀ → ه and آ → ا already applied to all): how many words it changes, and
  the groups of distinct vocabulary words it would make one word, most frequent first — each group is either a
  spelling variant (a good merge) or two different words (a collision);
- a *term expansion* (more forms for a term, the text left alone): for each vocabulary word taken as a term, the
  other vocabulary words its extra forms would match;
- the *inflection grammar* of ``suffixes: true``: the vocabulary words that a vocabulary word reaches only through
  the suffix chains added in this version (the 0.1 single suffixes excluded), with examples.

Writes nothing; the numbers are quoted in docs/methods.md ("Hamza", "Inflections").
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from narrascope.frames.compile import PERSIAN_SUFFIXES  # noqa: E402
from narrascope.frames.forms import _ALEF_SEAT, _WAW_SEAT, persian_inflections  # noqa: E402
from narrascope.text.normalize import normalize  # noqa: E402

_WORD = re.compile("[\u0621-\u063a\u0641-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc\u06c0\u0671-\u06d3]+")


def light(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    for seq, composed in (("\u06cc\u0654", "ئ"), ("\u064a\u0654", "ئ"), ("و\u0654", "ؤ"), ("ا\u0654", "أ"),
                          ("ه\u0654", "ۀ")):
        text = text.replace(seq, composed)
    text = text.translate(str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "\u200c": "", "\u0640": ""}))
    return re.sub("[\u064b-\u065f\u0670]", "", text)


def vocabulary(data: Path) -> tuple[collections.Counter[str], collections.Counter[str]]:
    """(Seraji-only, all) word counts."""
    seraji_texts = [line[9:] for line in (data / "ud_persian_seraji" / "fa_seraji-ud-test.conllu")
                    .read_text(encoding="utf-8").splitlines() if line.startswith("# text = ")]
    others = [(data / "samples" / name).read_text(encoding="utf-8")
              for name in ("updt_fa_sample.txt", "udhr_pes_1.txt", "udhr_pes_2.txt")]
    seraji: collections.Counter[str] = collections.Counter()
    for t in seraji_texts:
        seraji.update(_WORD.findall(light(t)))
    everything = collections.Counter(seraji)
    for t in others:
        everything.update(_WORD.findall(light(t)))
    return seraji, everything


def base(word: str) -> str:
    return word.replace("ۀ", "ه").replace("آ", "ا")


TEXT_FOLDS: dict[str, Callable[[str], str]] = {
    "ئ → ی (adopted)": lambda w: w.replace("ئ", "ی"),
    "ؤ → و (adopted)": lambda w: w.replace("ؤ", "و"),
    "أ → ا (adopted)": lambda w: w.replace("أ", "ا"),
    "إ → ا (adopted)": lambda w: w.replace("إ", "ا"),
    "ء → ∅ after ا or ه (adopted)": lambda w: re.sub("([اه])ء+", r"\1", w),
    "ء → ∅ everywhere": lambda w: w.replace("ء", ""),
    "ئ → ∅": lambda w: w.replace("ئ", ""),
    "ئ → ا": lambda w: w.replace("ئ", "ا"),
    "ئ ؤ أ إ → ء (one hamza)": lambda w: re.sub("[ئؤأإ]", "ء", w),
    "ئ → و before و": lambda w: re.sub("ئ(?=و)", "و", w),
    "ئو ؤ → و, then وو → و": lambda w: re.sub("ئ(?=و)", "و", w).replace("ؤ", "و").replace("وو", "و"),
}


def text_fold_report(counts: collections.Counter[str], name: str, fold: Callable[[str], str]) -> None:
    groups: dict[str, set[str]] = collections.defaultdict(set)
    for w in counts:
        groups[fold(base(w))].add(base(w))
    joined = [g for g in groups.values() if len(g) > 1]
    changed = sum(1 for w in counts if fold(base(w)) != base(w))
    words = sum(len(g) for g in joined)
    print(f"  {name}: changes {changed} words; {len(joined)} groups join {words} distinct words")
    for g in sorted(joined, key=lambda g: -sum(counts.get(x, 0) for x in g))[:12]:
        print("      " + " = ".join(f"{x} ({counts.get(x, 0)})" for x in sorted(g)))


def _alef_variants(word: str) -> set[str]:
    out = {word}
    for m in _ALEF_SEAT.finditer(word):
        out |= {v[: m.start()] + seat + v[m.start() + 1:] for v in out for seat in "یا"}
    return {normalize(v) for v in out}


def _waw_variants(word: str) -> set[str]:
    key = normalize(word)
    out = {key}
    for m in _WAW_SEAT.finditer(key):
        out |= {v[: m.start()] + seat + v[m.start() + 1:] for v in out for seat in "یو"}
    return out


def expansion_report(counts: collections.Counter[str], name: str, variants: Callable[[str], set[str]]) -> None:
    key = {w: normalize(w) for w in counts}
    by_key: dict[str, set[str]] = collections.defaultdict(set)
    for w, k in key.items():
        by_key[k].add(w)
    with_variants = 0
    reached: list[tuple[str, str]] = []
    for w in counts:
        extra = variants(w) - {key[w]}
        with_variants += bool(extra)
        reached += [(w, u) for v in extra for u in sorted(by_key.get(v, ()))]
    print(f"  {name}: {with_variants} words as terms get extra forms; {len(reached)} of those forms are other "
          f"vocabulary words")
    for w, u in reached[:12]:
        print(f"      {w} → {u}")


def inflection_report(counts: collections.Counter[str]) -> None:
    keys = {normalize(w) for w in counts}
    old_pairs, new_pairs = set(), set()
    for stem in keys:
        if len(stem) < 2:
            continue
        old = {stem + s for s in PERSIAN_SUFFIXES}
        for form in persian_inflections(stem):
            if form != stem and form in keys:
                (old_pairs if form in old else new_pairs).add((stem, form))
    print(f"  vocabulary words reached from another vocabulary word by suffixes: {len(old_pairs)} through the 0.1 "
          f"single suffixes, {len(new_pairs)} more through the new chains")
    by_suffix: collections.Counter[str] = collections.Counter()
    for stem, form in new_pairs:
        by_suffix[form[len(stem):] if form.startswith(stem) else "(ه → " + form[len(stem) - 1:] + ")"] += 1
    print("      by added suffix: " + ", ".join(f"{s} {n}" for s, n in by_suffix.most_common(15)))
    for stem, form in sorted(new_pairs, key=lambda p: -counts.get(p[1], 0))[:25]:
        print(f"      {stem} → {form}")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "persian")
    args = ap.parse_args()
    if not (args.data / "ud_persian_seraji").is_dir():
        print(f"skipped: no Persian data at {args.data} (pass --data)")
        return
    seraji, everything = vocabulary(args.data)
    for label, counts in (("UD Persian Seraji test treebank", seraji), ("Seraji + UPDT sample + UDHR", everything)):
        print(f"## {label}: {len(counts):,} distinct words, {sum(counts.values()):,} tokens")
        print(" text folds (hamza forms):")
        for name, fold in TEXT_FOLDS.items():
            text_fold_report(counts, name, fold)
        print(" term expansions (hamza seats, adopted):")
        expansion_report(counts, "waw seat: ی/و before و, both ways", _waw_variants)
        expansion_report(counts, "alef seat: ئ/أ before a consonant → ی or ا", _alef_variants)
        print(" inflections (suffixes: true):")
        inflection_report(counts)


if __name__ == "__main__":
    main()
