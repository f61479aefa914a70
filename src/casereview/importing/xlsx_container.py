"""An XLSX workbook's container checked before openpyxl sees it: every part inflated and measured.

Declared sizes can lie, so every XML part is inflated as a stream and its real size counted; a part over
its limit, a text run longer than the cell limit, shared or inline strings over their limits, or a DOCTYPE
are refused at once, in bounded memory, before any parser holds them.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from xml.parsers import expat

from casereview.domain.language import gettext_lazy
from casereview.domain.registers import RegisterError

from .limits import Limits, block_bytes, cell_limit_message, check_time, human


class _XmlTextScan:
    """Counts, while an XML part streams past, the text of every string item, refusing one over a limit.

    A string item is a shared string (``<si>``) or an inline string (``<is>``); its text is all its
    ``<t>`` runs (rich-text ``<r>`` runs included), which openpyxl joins into one value.  expat reports
    text in pieces and keeps no tree, so memory stays flat whatever the part holds.  A DOCTYPE (and with
    it any entity declaration) is refused: a workbook never has one.
    """

    def __init__(self, name: str, part: str, limits: Limits) -> None:
        self.name, self.part, self.limits = name, part, limits
        self.depth_t = 0  # inside this many <t> elements
        self.in_item = 0  # inside this many <si>/<is> elements
        self.item_chars = 0
        self.total_chars = 0
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.parser.StartDoctypeDeclHandler = self._doctype

    def feed(self, data: bytes, *, final: bool = False) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as exc:
            raise RegisterError(
                gettext_lazy(
                    "%(file)s is a damaged workbook: its part %(part)s is not XML: %(detail)s",
                    file=self.name,
                    part=self.part,
                    detail=exc,
                )
            ) from exc

    def _doctype(self, *_: object) -> None:
        raise RegisterError(
            gettext_lazy(
                "%(file)s: its part %(part)s declares a DOCTYPE, which a workbook never does",
                file=self.name,
                part=self.part,
            )
        )

    def _start(self, tag: str, _attrs: object) -> None:
        local = tag.rpartition(":")[2]
        if local in ("si", "is"):
            self.in_item += 1
            if self.in_item == 1:
                self.item_chars = 0
        elif local == "t":
            self.depth_t += 1

    def _end(self, tag: str) -> None:
        local = tag.rpartition(":")[2]
        if local in ("si", "is"):
            self.in_item = max(0, self.in_item - 1)
        elif local == "t":
            self.depth_t = max(0, self.depth_t - 1)

    def _text(self, data: str) -> None:
        if not (self.depth_t and self.in_item):
            return
        self.item_chars += len(data)
        self.total_chars += len(data)
        if self.item_chars > self.limits.max_cell_chars:
            raise RegisterError(
                cell_limit_message(
                    self.name,
                    "shared string" if self.part_is_shared else "inline string",
                    self.limits,
                )
            )
        if self.total_chars > self.limits.max_xlsx_shared_strings_chars:
            raise RegisterError(
                gettext_lazy(
                    "%(file)s: its strings (%(part)s) hold more than the %(most)s characters a "
                    "workbook may have in all (CASEREVIEW_MAX_XLSX_SHARED_STRINGS_CHARS); save the "
                    "register as CSV",
                    file=self.name,
                    part=self.part,
                    most=f"{self.limits.max_xlsx_shared_strings_chars:,}",
                )
            )

    @property
    def part_is_shared(self) -> bool:
        return not self.part.startswith("xl/worksheets/")


def _strings_scan(part: str, name: str, limits: Limits) -> _XmlTextScan | None:
    """The text scan for a part that can hold strings: every XML part but the worksheets (their inline
    strings are bounded by the part limit and the readers' cell check)."""
    if not part.endswith(".xml") or part.startswith("xl/worksheets/"):
        return None
    return _XmlTextScan(name, part, limits)


_IS_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?is(?=[\s>/])[^>]*>")
_TEXT = re.compile(rb">([^<]+)")
_ENTITY = re.compile(rb"&#?[A-Za-z0-9_.:-]{1,32};")
_CONTINUATION = bytes(range(0x80, 0xC0))


def _text_chars(xml: bytes) -> int:
    """The characters of the text in a stretch of XML starting outside a tag and whose tags are whole:
    UTF-8 continuation bytes and the bytes of a reference beyond its ``&`` count for nothing.  Found as
    the runs between a ``>`` and the next ``<`` (no match object for a tag, so a flood of tags is cheap);
    only a ``>`` inside an attribute value, or whitespace between tags, counts a little beyond the text."""
    text = b"".join(_TEXT.findall(b">" + xml))
    if b"&" in text:
        text = _ENTITY.sub(b"&", text)
    return len(text.translate(None, _CONTINUATION))


class _InlineStringScan:
    """Counts, while a worksheet streams past, the text of the inline string (``<is>``) it is inside.

    A rich-text inline string is many short ``<t>`` runs, so the block check (a block with no tag) never
    sees it; openpyxl would join all its runs into one value.  Each block is looked at with a few C-speed
    calls: the first and last ``<is>``/``</is>`` tags in it say whether the block ends inside one, and only
    the text inside an inline string is counted, so a sheet of ordinary cells costs almost nothing.  A
    tag or reference cut by the block's end is carried to the next block.  Strings within a block or two
    are left to the readers' cell check (they cost little memory).  Not handled: a CDATA section (which
    no spreadsheet program writes) whose text holds ``<``, read here as tags.
    """

    def __init__(self, name: str, limits: Limits) -> None:
        self.name, self.limits = name, limits
        self.inside = False
        self.chars = 0  # of the inline string open at the end of the last block
        self.tail = b""

    def feed(self, piece: bytes) -> None:
        data = self.tail + piece if self.tail else piece
        cut = len(data)
        lt = data.rfind(b"<")
        if lt >= 0 and data.find(b">", lt) < 0:
            cut = lt
        amp = data.rfind(b"&", max(0, cut - 40), cut)
        if amp >= 0 and data.find(b";", amp, cut) < 0:
            cut = amp
        self.tail = data[cut : cut + 64]  # a huge unclosed tag stays a tag: its start is enough
        region = data[:cut] if cut < len(data) else data
        first = _IS_TAG.search(region)
        if first is None:
            if self.inside:
                self.chars += _text_chars(region)
                self._check()
            return
        if self.inside:
            self.chars += _text_chars(region[: first.start()])
            self._check()
        last = first
        window = max(first.end(), len(region) - 4096)
        while True:
            for last in _IS_TAG.finditer(region, window):  # noqa: B007 - the last match is wanted
                pass
            if last is not first or window == first.end():
                break
            window = first.end()
        tag = last.group(0)
        self.inside = not last.group(1) and not tag.endswith(b"/>")
        self.chars = _text_chars(region[last.end() :]) if self.inside else 0
        self._check()

    def _check(self) -> None:
        if self.chars > self.limits.max_cell_chars:
            raise RegisterError(cell_limit_message(self.name, "inline string", self.limits))


#: Parts openpyxl's read-only reader never opens (a big pivot table's cache is legitimate).
_UNREAD_PARTS = ("xl/pivotCache/", "xl/pivotTables/")


def _part_kind(part: str) -> str:
    """ "sheet" (streamed by openpyxl), "shared" (the shared strings: scanned and bounded on their own),
    "other" (loaded whole by openpyxl: workbook, styles, theme, properties, relationships...), or ""."""
    if part.startswith("xl/worksheets/") and part.endswith(".xml") and "/_rels/" not in part:
        return "sheet"
    if part.rpartition("/")[2].lower().startswith("sharedstrings"):
        return "shared"
    if part.startswith(_UNREAD_PARTS):
        return ""
    return "other"


def _check_declared(infos: list[zipfile.ZipInfo], name: str, limits: Limits) -> None:
    """The cheap checks first: the number of parts, their declared sizes, and that it is a workbook."""
    if len(infos) > limits.max_xlsx_entries:
        raise RegisterError(
            gettext_lazy(
                "%(file)s holds %(parts)s parts, more than the %(most)s allowed "
                "(CASEREVIEW_MAX_XLSX_ENTRIES)",
                file=name,
                parts=f"{len(infos):,}",
                most=f"{limits.max_xlsx_entries:,}",
            )
        )
    total = sum(i.file_size for i in infos)
    if total > limits.max_xlsx_uncompressed_bytes:
        raise RegisterError(
            gettext_lazy(
                "%(file)s would expand to %(size)s, over the limit of %(most)s "
                "(CASEREVIEW_MAX_XLSX_UNCOMPRESSED_BYTES)",
                file=name,
                size=human(total),
                most=human(limits.max_xlsx_uncompressed_bytes),
            )
        )
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise RegisterError(
            gettext_lazy("%(file)s is a zip archive but not an Excel workbook", file=name)
        )


def _check_expanded(
    name: str, part: str, kind: str, *, real: int, expanded: int, limits: Limits
) -> None:
    """Refuse a part inflated past its limit (``real`` bytes so far), or a workbook past its total."""
    if real > limits.max_xlsx_part_bytes:
        raise RegisterError(
            gettext_lazy(
                "%(file)s: its part %(part)s expands to more than %(most)s, the limit for one part "
                "of a workbook (CASEREVIEW_MAX_XLSX_PART_BYTES); save the register as CSV",
                file=name,
                part=part,
                most=human(limits.max_xlsx_part_bytes),
            )
        )
    if kind == "other" and real > limits.max_xlsx_other_part_bytes:
        raise RegisterError(
            gettext_lazy(
                "%(file)s: its part %(part)s expands to more than %(most)s, the limit for a part of "
                "a workbook other than its sheets and shared strings "
                "(CASEREVIEW_MAX_XLSX_OTHER_PART_BYTES)",
                file=name,
                part=part,
                most=human(limits.max_xlsx_other_part_bytes),
            )
        )
    if expanded > limits.max_xlsx_uncompressed_bytes:
        raise RegisterError(
            gettext_lazy(
                "%(file)s expands to more than %(most)s (CASEREVIEW_MAX_XLSX_UNCOMPRESSED_BYTES)",
                file=name,
                most=human(limits.max_xlsx_uncompressed_bytes),
            )
        )


def _inflate_part(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    name: str,
    limits: Limits,
    *,
    expanded: int,
    deadline: float | None,
    find_formulas: bool,
) -> tuple[int, bool]:
    """Inflate one XML part as a stream, checking it block by block; the workbook's bytes inflated so
    far (``expanded`` plus this part's) and, when ``find_formulas``, whether this part holds a formula."""
    block = block_bytes(limits)
    kind = _part_kind(info.filename)
    strings = _strings_scan(info.filename, name, limits)
    inline = _InlineStringScan(name, limits) if kind == "sheet" else None
    find_formulas = find_formulas and info.filename.startswith("xl/worksheets/")
    formulas = False
    real = 0
    tail = b""
    with archive.open(info) as part:
        while piece := part.read(block):
            real += len(piece)
            expanded += len(piece)
            _check_expanded(name, info.filename, kind, real=real, expanded=expanded, limits=limits)
            if len(piece) == block and b"<" not in piece:
                where = "shared string" if "sharedStrings" in info.filename else "cell"
                raise RegisterError(cell_limit_message(name, where, limits))
            if find_formulas and not formulas:
                window = tail + piece
                formulas = b"<f>" in window or b"<f " in window or b"<f/>" in window
                tail = piece[-3:]
            if strings is not None:
                strings.feed(piece)
            if inline is not None:
                inline.feed(piece)
            check_time(deadline, name, limits)
        if strings is not None:
            strings.feed(b"", final=True)
    return expanded, formulas


def check_xlsx_container(
    path: Path, name: str, limits: Limits, *, deadline: float | None = None
) -> bool:
    """Check the workbook's parts by inflating them; returns whether a worksheet holds formulas.

    The declared sizes are checked first (cheap), then every XML part is inflated as a stream and
    its real size counted, so a part that lies about its size is still stopped at the limit; a text
    run longer than the cell limit (one shared string of 1,000,000,000 characters) is found in the
    stream and refused before any parser holds it.
    """
    formulas = False
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_declared(infos, name, limits)
            expanded = 0
            for info in infos:
                if not info.filename.endswith((".xml", ".rels")):
                    continue
                expanded, found = _inflate_part(
                    archive,
                    info,
                    name,
                    limits,
                    expanded=expanded,
                    deadline=deadline,
                    find_formulas=not formulas,
                )
                formulas = formulas or found
    except zipfile.BadZipFile as exc:
        raise RegisterError(
            gettext_lazy(
                "%(file)s is named as an Excel workbook but cannot be opened: %(detail)s",
                file=name,
                detail=exc,
            )
        ) from exc
    except (OSError, EOFError, zlib.error, zipfile.LargeZipFile, NotImplementedError) as exc:
        raise RegisterError(
            gettext_lazy("%(file)s is a damaged workbook: %(detail)s", file=name, detail=exc)
        ) from exc
    return formulas
