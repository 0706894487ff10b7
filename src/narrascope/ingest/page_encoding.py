"""The character encoding of a saved page or text file, decided explicitly, and a check for mojibake.

Handing raw bytes to an HTML parser lets it guess from the first kilobytes only: a UTF-8 page whose ``<meta charset>``
comes late was read as Latin-1 ("stateâ€™s" for "state’s"), and a Persian page would have become unreadable —
silently. :func:`decode_page` decides, in this order:

1. a byte-order mark (UTF-8, UTF-16, UTF-32);
2. bytes that are valid UTF-8 and not plain ASCII are UTF-8, whatever the page declares — a declared legacy encoding
   on valid UTF-8 is a stale template; real windows-1252/1256 text is practically never valid UTF-8;
3. the declared charset — the HTTP ``Content-Type`` header (WARC records), then a ``<meta charset>``,
   ``<meta http-equiv="Content-Type">`` or XML declaration anywhere in the head — when the bytes decode with it
   and, for a Latin single-byte charset, the result does not read like Arabic-script or Cyrillic text in the wrong
   code page (mostly accented capitals: ÇáÚÑÈíÉ);
4. otherwise a detector: charset_normalizer limited to the legacy encodings of the languages narrascope meets
   (:data:`DETECTOR_CANDIDATES`), checked for letters of two scripts inside one word (what a wrong code page makes);
   measured on authored and real pages in ``bench/page_encoding.py`` (docs/formats.md, "News articles");
   windows-1252 is reported whenever it gives the same text;
5. failing all, windows-1252 with replacement characters.

:func:`mojibake_sample` finds UTF-8 that was decoded as windows-1252/Latin-1 somewhere upstream (Ã©, â€™, Ø§) in a
page's text, for a warning in the ingest log.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import regex

__all__ = ["DETECTOR_CANDIDATES", "Decoded", "declared_charset", "decode_page", "decode_text", "mojibake_note",
           "mojibake_sample"]

#: legacy encodings the detector chooses from: Western, Arabic-script and Cyrillic code pages
DETECTOR_CANDIDATES = ("cp1252", "cp1256", "cp1251", "iso8859_6", "koi8_r")
_HEAD_LIMIT = 512 * 1024  # a head longer than this (inline scripts, styles) is searched this far
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)"""
    rb"""|<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)""",
    re.IGNORECASE,
)
_HEAD_END = re.compile(rb"</head\s*>|<body[\s>]", re.IGNORECASE)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_LATIN_SINGLE_BYTE = {"cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "ascii"}
_LETTER = regex.compile(r"\p{L}")
_MIXED = regex.compile(r"\p{Latin}[\p{Cyrillic}\p{Arabic}\p{Greek}]|[\p{Cyrillic}\p{Arabic}\p{Greek}]\p{Latin}")
_MARKUP = re.compile(r"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->|<[^>]*>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class Decoded:
    """A decoded page: its text, the Python codec used, and why (``BOM``, ``UTF-8``, ``HTTP header``, ``meta``,
    ``detector``, ``fallback``); ``declared`` is what the page or its HTTP header said, when that was not used."""

    text: str
    encoding: str
    source: str
    declared: str | None = None

    def describe(self) -> str:
        """One line for the ingest log, e.g. ``windows-1256 (detected; the page declares utf-8)``."""
        name = _display(self.encoding)
        how = {"BOM": "byte-order mark", "UTF-8": "valid UTF-8", "HTTP header": "HTTP Content-Type",
               "meta": "the page's charset declaration", "detector": "detected", "fallback": "fallback, with "
               "replacement characters"}.get(self.source, self.source)
        extra = f"; the page declares {self.declared}" if self.declared else ""
        return f"{name} ({how}{extra})"


def _display(codec: str) -> str:
    name = codecs.lookup(codec).name
    return {"cp1252": "windows-1252", "cp1256": "windows-1256", "cp1251": "windows-1251", "latin-1": "iso-8859-1",
            "iso8859-6": "iso-8859-6", "koi8-r": "koi8-r"}.get(name, name)


def _codec(label: str | None) -> str | None:
    """A Python codec for a charset label, with the WHATWG rule that Latin-1 and ASCII labels mean windows-1252."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in ("iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "x-user-defined"):
        return "cp1252"
    if label in ("utf-16", "unicode"):
        return "utf-16-le"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its head (``<meta charset>``, ``http-equiv``, XML declaration), or None."""
    head_end = _HEAD_END.search(data, 0, _HEAD_LIMIT)
    head = data[: head_end.start() if head_end else _HEAD_LIMIT]
    for m in _META.finditer(head):
        label = (m.group(1) or m.group(2) or b"").decode("ascii", "replace")
        if _codec(label):
            return label
    return None


def _http_label(http_charset: str | None) -> str | None:
    if not http_charset:
        return None
    m = _HTTP_CHARSET.search(http_charset)
    return m.group(1) if m else (http_charset if "=" not in http_charset and "/" not in http_charset else None)


def _reads_wrong(text: str) -> bool:
    """A Latin single-byte decode whose text (markup left out) is mostly non-ASCII letters: Arabic or Cyrillic bytes
    in the wrong code page (ÇáÚÑÈíÉ), where real Western text has a few accented letters among many plain ones."""
    letters = _LETTER.findall(_MARKUP.sub(" ", text))
    if len(letters) < 20:
        return False
    return sum(1 for c in letters if ord(c) > 0x7F) > 0.5 * len(letters)


def _mixed_letters(text: str) -> int:
    """Latin letters next to Cyrillic, Arabic-script or Greek ones inside a word: what a wrong code page makes
    (cafй for café), and real words almost never have."""
    return len(_MIXED.findall(text))


def _detect(data: bytes) -> str | None:
    """charset_normalizer among :data:`DETECTOR_CANDIDATES`; when its text mixes scripts inside words (short texts
    fool it: "café au lait" came back as windows-1251 "cafй"), the candidate with the fewest such words instead;
    windows-1252 whenever it gives the same text."""
    from charset_normalizer import from_bytes  # installed with trafilatura; imported only when needed

    best = from_bytes(data, cp_isolation=list(DETECTOR_CANDIDATES)).best()
    if best is None:
        return None
    codec = codecs.lookup(best.encoding).name
    decodes: dict[str, str] = {}
    for candidate in (codec, *DETECTOR_CANDIDATES):
        name = codecs.lookup(candidate).name
        try:
            decodes.setdefault(name, data.decode(name))
        except UnicodeDecodeError:
            continue
    if codec in decodes and _mixed_letters(decodes[codec]):
        codec = min(decodes, key=lambda c: (_mixed_letters(decodes[c]), c != "cp1252"))
    if codec != "cp1252" and decodes.get("cp1252") == decodes.get(codec):
        return "cp1252"  # the same text: name the commonest code page
    return codec


def decode_page(data: bytes, http_charset: str | None = None) -> Decoded:
    """Decode an HTML page (see the module docstring for the order). ``http_charset``: the ``Content-Type`` header
    value (or only its charset) of the HTTP response the page came in, when known."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return Decoded(data[len(bom):].decode(codec, "replace"), codec, "BOM")
    declarations = [(label, source) for label, source in ((_http_label(http_charset), "HTTP header"),
                                                          (declared_charset(data), "meta")) if _codec(label)]
    first_label = declarations[0][0] if declarations else None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        ignored = first_label if first_label and _codec(first_label) != "utf-8" else None
        if text.isascii() and ignored and _ascii_compatible(_codec(ignored)):
            return Decoded(text, str(_codec(ignored)), declarations[0][1])  # the same text either way
        return Decoded(text, "utf-8", "UTF-8", ignored if not text.isascii() else None)
    for label, source in declarations:
        codec = str(_codec(label))
        if codec == "utf-8":
            continue  # not valid UTF-8, whatever it says
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec in _LATIN_SINGLE_BYTE and _reads_wrong(text):
            continue
        return Decoded(text, codec, source)
    detected = _detect(data)
    if detected is not None:
        return Decoded(data.decode(detected, "replace"), detected, "detector", first_label)
    return Decoded(data.decode("cp1252", "replace"), "cp1252", "fallback", first_label)


def _ascii_compatible(codec: str | None) -> bool:
    try:
        return codec is not None and "az09<>".encode(codec) == b"az09<>"
    except (LookupError, UnicodeEncodeError):
        return False


def decode_text(data: bytes) -> Decoded:
    """Decode a plain-text file: a BOM, else UTF-8, else the detector (as for pages, without declarations)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return Decoded(data[len(bom):].decode(codec, "replace"), codec, "BOM")
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "UTF-8")
    except UnicodeDecodeError:
        pass
    detected = _detect(data)
    if detected is not None:
        return Decoded(data.decode(detected, "replace"), detected, "detector")
    return Decoded(data.decode("cp1252", "replace"), "cp1252", "fallback")


# UTF-8 read as windows-1252 or Latin-1: a lead byte (Â-ô) shown as a letter, then 1-3 continuation bytes (0x80-0xBF)
# shown as their windows-1252 or Latin-1 characters.
_CONTINUATION = "".join(sorted(({bytes([b]).decode("cp1252", "replace") for b in range(0x80, 0xC0)}
                                | {chr(b) for b in range(0x80, 0xC0)}) - {"\ufffd"}))
_MOJIBAKE = regex.compile(rf"[\u00c2-\u00f4][{regex.escape(_CONTINUATION)}]{{1,3}}")


def mojibake_sample(text: str, *, minimum: int = 3) -> str | None:
    """A short stretch of ``text`` around the first of at least ``minimum`` mojibake sequences (Ã©, â€™, Ø§), or
    None. Sequences must also make up a tenth of the non-ASCII characters, so an odd "Â©" in real text passes."""
    found = _MOJIBAKE.findall(text)
    if len(found) < minimum:
        return None
    non_ascii = sum(1 for c in text if ord(c) > 0x7F)
    if sum(len(f) for f in found) < 0.1 * non_ascii:
        return None
    first = _MOJIBAKE.search(text)
    assert first is not None
    lo = max(0, first.start() - 15)
    return text[lo: first.end() + 15].replace("\n", " ")


def mojibake_note(sample: str) -> str:
    """The ingest-log warning for a text that looks like mojibake."""
    return (f"the text looks like mojibake (\"{sample}\"): UTF-8 read as windows-1252 before this copy was saved; "
            "matching will miss its words — re-save the page from the source, or check the exporting tool")
