"""`make messages`: the Welsh catalogue is complete and current, or the build fails (docs/welsh.md).

Run as ``python -m casereview.web.language.catalogue`` (the Makefile does).  It runs Django's makemessages
over the source tree (without locations, so that the file changes only when the strings do), then fails when

* the catalogue on disk was stale: makemessages changed it (a string marked, changed or unmarked since); the
  updated file is left in place, so the new entries are there to translate and commit;
* any entry is untranslated (an empty msgstr, or any empty plural form), fuzzy, or obsolete;
* the header's Plural-Forms is not Welsh's six forms (casereview.domain.language.WELSH_PLURAL_FORMS).

When all is well it compiles the catalogue (msgfmt --check-format, which also refuses a translation whose
placeholders do not match).  The gettext tools come from Debian's ``gettext`` package.

gettext's own statistics count a plural entry with some forms empty as translated, and know nothing of
staleness, hence the few lines of reading here rather than ``msgfmt --statistics``.
"""

from __future__ import annotations

import argparse
import gettext
import os
import re
import struct
import subprocess  # noqa: S404 (runs makemessages and msgfmt on our own files, with fixed arguments)
import sys
from dataclasses import dataclass, field
from pathlib import Path

from casereview.domain.language import WELSH, WELSH_PLURAL_FORMS

#: The source tree makemessages reads (templates and Python), whose ``locale/`` holds the catalogues.
SOURCE_DIR = Path(__file__).resolve().parents[2]
DOMAIN = "django"
#: Stable output: no file locations (a moved line would change the file), no obsolete entries kept, no
#: wrapping (one line per string reads best in a diff).
MAKEMESSAGES_OPTIONS = ("--no-location", "--no-obsolete", "--no-wrap")
#: Header lines that change on every run and say nothing about the strings.
_VOLATILE = re.compile(r"(POT-Creation-Date|PO-Revision-Date):")
_KEYWORD = re.compile(r"^(msgctxt|msgid|msgid_plural|msgstr(?:\[(\d+)\])?) (\".*\")$")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


@dataclass
class Entry:
    """One message of a catalogue as it stands on disk."""

    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def entries(text: str) -> list[Entry]:
    """Every entry of a .po file, the header (msgid "") first, in file order."""
    found: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, target = None, None
            continue
        if line.startswith("#~"):
            if entry is None:
                entry = Entry(line=number)
                found.append(entry)
            entry.obsolete = True
            continue
        if entry is None:
            entry = Entry(line=number)
            found.append(entry)
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"') and target is not None:
            _append(entry, target, _unquote(line))
            continue
        match = _KEYWORD.match(line)
        if match is None:
            raise ValueError(f"line {number}: not a .po line: {line[:60]!r}")
        keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
        target = ("msgstr", int(index)) if index is not None else (keyword, 0)
        _set(entry, target, value)
    return found


def _set(entry: Entry, target: tuple[str, int], value: str) -> None:
    kind, index = target
    if kind == "msgstr":
        entry.msgstr[index] = value
    elif kind == "msgid":
        entry.msgid = value
    elif kind == "msgid_plural":
        entry.msgid_plural = value
    else:
        entry.msgctxt = value


def _append(entry: Entry, target: tuple[str, int], value: str) -> None:
    kind, index = target
    current = {
        "msgstr": entry.msgstr.get(index, ""),
        "msgid": entry.msgid,
        "msgid_plural": entry.msgid_plural or "",
        "msgctxt": entry.msgctxt or "",
    }[kind]
    _set(entry, target, current + value)


def plural_forms(text: str) -> str:
    """The header's Plural-Forms value ("" when it has none)."""
    for entry in entries(text):
        if entry.msgid == "" and entry.msgctxt is None and not entry.obsolete:
            for header in entry.msgstr.get(0, "").splitlines():
                name, _, value = header.partition(":")
                if name.strip() == "Plural-Forms":
                    return value.strip()
            return ""
    return ""


def _nplurals(forms: str) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", forms)
    return int(match.group(1)) if match else 2


def catalogue_problems(text: str, *, expected_plural_forms: str = WELSH_PLURAL_FORMS) -> list[str]:
    """What keeps this catalogue from being complete: each problem a line a translator can act on."""
    problems: list[str] = []
    forms = plural_forms(text)
    if forms != expected_plural_forms:
        problems.append(
            f"the header's Plural-Forms is {forms!r}, not Welsh's six forms {expected_plural_forms!r}"
        )
    count = _nplurals(forms)
    for entry in entries(text):
        name = f"line {entry.line}: {entry.msgid[:60]!r}"
        if entry.obsolete:
            problems.append(f"{name} is obsolete (#~): remove it")
            continue
        if entry.msgid == "" and entry.msgctxt is None:
            continue  # the header
        if "fuzzy" in entry.flags:
            problems.append(f"{name} is fuzzy: check the translation and remove the fuzzy flag")
        if entry.msgid_plural is not None:
            missing = [i for i in range(count) if not entry.msgstr.get(i)]
            if missing:
                problems.append(
                    f"{name} is untranslated in plural form(s) {', '.join(map(str, missing))} of {count}"
                )
        elif not entry.msgstr.get(0):
            problems.append(f"{name} is untranslated")
    return problems


def messages(text: str) -> list[tuple[object, ...]]:
    """What a catalogue says, whatever its layout: every entry's context, English, plural, translations,
    flags and whether obsolete, the header without its dates, in a fixed order.  Two gettext versions may
    write the same catalogue differently (wrapping, order, a comment); only a change here is staleness."""
    found = []
    for entry in entries(text):
        translations = dict(entry.msgstr)
        if entry.msgid == "" and entry.msgctxt is None:
            translations = {
                i: "".join(line + "\n" for line in value.splitlines() if not _VOLATILE.match(line))
                for i, value in translations.items()
            }
        found.append(
            (
                entry.msgctxt or "",
                entry.msgid,
                entry.msgid_plural or "",
                tuple(sorted(translations.items())),
                tuple(sorted(entry.flags)),
                entry.obsolete,
            )
        )
    return sorted(found)


def catalogue_path(source_dir: Path, language: str = WELSH) -> Path:
    return source_dir / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _django(source_dir: Path, *arguments: str) -> None:
    # Without settings, makemessages writes to the ``locale/`` of the directory it runs in, and nowhere else:
    # so a copy of the tree (the tests') is refreshed in the copy, never in the checkout.
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-m", "django", *arguments],
        cwd=source_dir,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )


def check(source_dir: Path = SOURCE_DIR, language: str = WELSH) -> list[str]:
    """Refresh the catalogue from the marked strings and say what is wrong with it ([] when nothing)."""
    path = catalogue_path(source_dir, language)
    if not path.is_file():
        return [f"{path} is missing: create it with the Welsh header (docs/welsh.md)"]
    before = path.read_text(encoding="utf-8")
    _django(source_dir, "makemessages", "-l", language, "-d", DOMAIN, *MAKEMESSAGES_OPTIONS)
    after = path.read_text(encoding="utf-8")
    problems = []
    if messages(before) != messages(after):
        problems.append(
            f"{path} was stale (the marked strings changed): makemessages has updated it; "
            "translate its new entries and commit it"
        )
    return problems + catalogue_problems(after)


def compile_catalogue(source_dir: Path = SOURCE_DIR, language: str = WELSH) -> Path:
    """The .mo beside the .po (never committed: `make setup` builds it)."""
    path = catalogue_path(source_dir, language)
    compiled = path.with_suffix(".mo")
    subprocess.run(  # noqa: S603 (fixed arguments on our own file)
        ["msgfmt", "--check-format", "-o", str(compiled), str(path)],  # noqa: S607 (Debian's gettext)
        check=True,
        capture_output=True,
        text=True,
    )
    return compiled


#: A string every page carries, to tell a working Welsh catalogue from a missing or empty one.
PROBE = "Skip to main content"


def compiled_catalogue_problem(locale_dir: Path, language: str = WELSH) -> str | None:
    """Why the compiled catalogue under ``locale_dir`` cannot serve Welsh pages, or None when it can.

    Read with the standard library, so that production settings can ask before Django starts: a deployment
    that offers Welsh (CASEREVIEW_WELSH) without the .mo `make setup` builds would serve English under
    lang="cy", silently.
    """
    compiled = locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not compiled.is_file():
        return f"{compiled} is missing: build it (make setup, or msgfmt; docs/welsh.md) before packaging"
    try:
        with compiled.open("rb") as handle:
            read = gettext.GNUTranslations(handle)
    except (
        OSError,
        ValueError,
        struct.error,
    ) as exc:  # a foreign (bad magic number) or truncated file
        return f"{compiled} cannot be read: {exc}"
    if read.gettext(PROBE) == PROBE:
        return f"{compiled} does not translate {PROBE!r}: it is not casereview's Welsh catalogue"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=SOURCE_DIR, help="the tree to check")
    options = parser.parse_args(argv)
    try:
        problems = check(options.source)
        if problems:
            print(f"make messages: the Welsh catalogue is not complete ({len(problems)} problems):")
            for problem in problems:
                print(f"  {problem}")
            return 1
        compiled = compile_catalogue(options.source)
    except FileNotFoundError as exc:
        print(
            f"make messages: {exc.filename} is missing: install GNU gettext "
            "(Debian/Ubuntu: apt-get install gettext; macOS: brew install gettext)"
        )
        return 2
    except subprocess.CalledProcessError as exc:
        # gettext's own words say what is wrong (a template that does not parse, a placeholder msgfmt refuses).
        print(f"make messages: {' '.join(map(str, exc.cmd[:4]))} failed (exit {exc.returncode}):")
        print((exc.stderr or exc.stdout or "").rstrip())
        return 2
    print(f"make messages: the Welsh catalogue is complete and current; compiled {compiled}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
