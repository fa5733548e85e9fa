"""The gettext catalogues under locale/ are complete, compiled and loaded.

The .po files are read with the small parser below, so these tests need neither GNU gettext
nor polib; the .mo files are read with the standard library's ``gettext.GNUTranslations``.
No test here touches the database.
"""

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
PO_FILES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
PO_IDS = [str(path.relative_to(LOCALE_DIR)) for path in PO_FILES]

# The standard gettext plural rules: how many forms each language has.
NPLURALS = {"lt": 3, "lv": 3, "pl": 3, "el": 2}

# %(name)s / %(count)d, bare %s / %d, and {name} / {0} / {}; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(
    r"%%"
    r"|%\([^)]+\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|%[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|\{[A-Za-z_0-9.\[\]]*\}"
)
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
ESCAPE = re.compile(r"\\(.)")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def is_translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())

    def describe(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"line {self.line}: {self.msgid!r}{context}"


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"not a quoted PO string: {text!r}")
    return ESCAPE.sub(lambda m: ESCAPES.get(m.group(1), "\\" + m.group(1)), text[1:-1])


class _PoParser:
    """Reads a .po file line by line: entries, header included, obsolete (#~) ones left out."""

    KEYWORD = re.compile(r"msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: list[Entry] = []
        self.entry = Entry()
        # The keyword the next continuation line ("...") belongs to: msgid, msgstr[0], ...
        self.keyword: str | None = None

    def parse(self) -> list[Entry]:
        text = self.path.read_text(encoding="utf-8")
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line:
                self._finish()
            elif line.startswith("#~"):
                continue
            elif line.startswith("#"):
                self._comment(line)
            elif line.startswith('"'):
                if self.keyword is None:
                    raise ValueError(f"{self.path}:{number}: string outside an entry")
                self._append(self.keyword, _unquote(line))
            else:
                self._keyword_line(number, line)
        self._finish()
        return self.entries

    def _after_msgstr(self) -> bool:
        return self.keyword is not None and self.keyword.startswith("msgstr")

    def _finish(self) -> None:
        if self.keyword is not None:
            self.entries.append(self.entry)
        self.entry, self.keyword = Entry(), None

    def _comment(self, line: str) -> None:
        if self._after_msgstr():  # a comment after the strings starts the next entry
            self._finish()
        if line.startswith("#,"):
            self.entry.flags.update(flag.strip() for flag in line[2:].split(","))

    def _keyword_line(self, number: int, line: str) -> None:
        key, _, value = line.partition(" ")
        if not self.KEYWORD.fullmatch(key):
            raise ValueError(f"{self.path}:{number}: unexpected line {line!r}")
        if key in ("msgctxt", "msgid") and self._after_msgstr():
            self._finish()  # a new entry without a blank line before it
        if self.keyword is None:
            self.entry.line = number
        self.keyword = key
        self._append(key, _unquote(value))

    def _append(self, key: str, text: str) -> None:
        entry = self.entry
        if key == "msgid":
            entry.msgid += text
        elif key == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + text
        elif key == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + text
        else:
            index = int(key[len("msgstr[") : -1]) if key.startswith("msgstr[") else 0
            entry.msgstr[index] = entry.msgstr.get(index, "") + text


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file, header included, obsolete (#~) entries left out."""
    return _PoParser(path).parse()


def header_fields(entries: list[Entry]) -> dict[str, str]:
    header = next(e for e in entries if e.is_header)
    fields = {}
    for line in header.msgstr.get(0, "").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if not e.is_header]


def placeholders(text: str) -> set[str]:
    return {p for p in PLACEHOLDER.findall(text) if p != "%%"}


def language_of(po_path: Path) -> str:
    return po_path.relative_to(LOCALE_DIR).parts[0]


def test_every_configured_language_has_a_catalogue():
    languages = {code for code, _name in settings.LANGUAGES if code != "en"}
    assert languages, "settings.LANGUAGES lists no language besides English"
    have = {language_of(path) for path in PO_FILES if path.name == "django.po"}
    assert have == languages


@pytest.mark.parametrize("po_path", PO_FILES, ids=PO_IDS)
def test_catalogue_is_complete_and_not_fuzzy(po_path: Path):
    entries = parse_po(po_path)
    assert messages(entries), f"{po_path} has no messages"
    header = next(e for e in entries if e.is_header)
    assert "fuzzy" not in header.flags, "the header is still marked fuzzy"
    problems = {
        "untranslated": [e.describe() for e in messages(entries) if not e.is_translated],
        "fuzzy": [e.describe() for e in messages(entries) if "fuzzy" in e.flags],
    }
    assert problems == {"untranslated": [], "fuzzy": []}


@pytest.mark.parametrize("po_path", PO_FILES, ids=PO_IDS)
def test_header_names_the_language_and_its_plural_forms(po_path: Path):
    language = language_of(po_path)
    entries = parse_po(po_path)
    fields = header_fields(entries)
    assert fields.get("Language") == language
    assert fields.get("Project-Id-Version") == "retention-crm"
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    plural_forms = fields.get("Plural-Forms", "")
    match = re.fullmatch(r"nplurals=(\d+);\s*plural=(.+?);?", plural_forms)
    assert match, f"bad Plural-Forms header: {plural_forms!r}"
    nplurals = int(match.group(1))
    assert nplurals == NPLURALS[language]
    plural = gettext.c2py(match.group(2))
    assert {plural(n) for n in range(1000)} == set(range(nplurals))
    for entry in messages(entries):
        if entry.msgid_plural is not None:
            assert sorted(entry.msgstr) == list(range(nplurals)), entry.describe()


@pytest.mark.parametrize("po_path", PO_FILES, ids=PO_IDS)
def test_compiled_catalogue_matches_its_source(po_path: Path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run manage.py compilemessages"
    with mo_path.open("rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)
    entries = parse_po(po_path)
    assert compiled.info().get("plural-forms") == header_fields(entries).get("Plural-Forms")
    plural_forms = header_fields(entries)["Plural-Forms"]
    plural = gettext.c2py(plural_forms.split("plural=", 1)[1].rstrip(";"))
    stale = []
    for entry in messages(entries):
        if not entry.is_translated or "fuzzy" in entry.flags:
            continue  # msgfmt leaves these out; the completeness test reports them
        if entry.msgid_plural is None:
            if entry.msgctxt is None:
                got = compiled.gettext(entry.msgid)
            else:
                got = compiled.pgettext(entry.msgctxt, entry.msgid)
            if got != entry.msgstr[0]:
                stale.append(f"{entry.describe()}: .mo has {got!r}, .po has {entry.msgstr[0]!r}")
            continue
        for n in range(200):
            if entry.msgctxt is None:
                got = compiled.ngettext(entry.msgid, entry.msgid_plural, n)
            else:
                got = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
            if got != entry.msgstr[plural(n)]:
                stale.append(f"{entry.describe()} n={n}: .mo has {got!r}")
                break
    assert stale == [], f"{mo_path} is out of date: run manage.py compilemessages"


@pytest.mark.parametrize("po_path", PO_FILES, ids=PO_IDS)
def test_translations_keep_the_placeholders(po_path: Path):
    wrong = []
    for entry in messages(parse_po(po_path)):
        if entry.msgid_plural is None:
            expected = [placeholders(entry.msgid)]
        else:
            expected = [placeholders(entry.msgid), placeholders(entry.msgid_plural)]
        for index, text in entry.msgstr.items():
            if text and placeholders(text) not in expected:
                wrong.append(f"{entry.describe()} msgstr[{index}] has {placeholders(text)}")
    assert wrong == []


def test_parser_sees_untranslated_fuzzy_and_plural_entries(tmp_path: Path):
    """The checks above would pass vacuously if the parser missed entries."""
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: lt\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "Hello %(name)s"\nmsgstr "Labas %(vardas)s"\n\n'
        'msgid ""\n"Two "\n"lines"\nmsgstr ""\n\n'
        '#~ msgid "Gone"\n#~ msgstr ""\n\n'
        'msgctxt "menu"\nmsgid "%(n)d file"\nmsgid_plural "%(n)d files"\n'
        'msgstr[0] "%(n)d failas"\nmsgstr[1] "%(n)d failai"\nmsgstr[2] ""\n',
        encoding="utf-8",
    )
    entries = messages(parse_po(po))
    assert [e.msgid for e in entries] == ["Hello %(name)s", "Two lines", "%(n)d file"]
    assert "fuzzy" in entries[0].flags
    assert placeholders(entries[0].msgstr[0]) != placeholders(entries[0].msgid)
    assert not entries[1].is_translated
    assert entries[2].msgctxt == "menu"
    assert entries[2].msgid_plural == "%(n)d files"
    assert not entries[2].is_translated
    assert header_fields(parse_po(po)) == {"Language": "lt"}


@pytest.mark.parametrize("language", sorted(NPLURALS))
def test_django_loads_the_catalogue(language: str):
    with translation.override(language):
        assert translation.get_language() == language
        assert translation.gettext("Customers") != "Customers"
