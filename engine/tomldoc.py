"""A network file's TOML, read at a cost bounded by its size.

tomllib is pure Python: about 1.5 µs a number and 4 µs a row, quadratic in the parts of a dotted
key, recursive in nesting. So the large arrays of plain numbers (the parameters and samples a
file may hold) are cut out of the text and read apart, piece by piece at C speed (json, whose
numbers are TOML's decimal numbers), and only when the network asks for them; tomllib reads the
rest, which the limits below keep small. A row count is known without reading any number, so an
array of 15 million rows is refused before it costs anything.
"""

from __future__ import annotations

import json
import os
import re
import tomllib

import numpy as np

MAX_REST_BYTES = 512 * 2**10  # the text tomllib reads: names, comments, keys, small arrays
MAX_LEXEMES = 100_000  # strings, comments and array values met while looking for the large arrays
MAX_KEY_PARTS = 32  # a valid network file's longest key has 2 (data.X)
LARGE = 1024  # bytes: an array of plain numbers this long or longer is read apart
PIECE = 2**20  # bytes of a large array read at a time

_STRING = (
    rb'"""(?:[^"\\]|\\.|"(?!""))*+"{3,5}|'
    rb"'''.*?'{3,5}|"  # multi-line strings first; possessive:
    rb'"(?:[^"\\\n]|\\.)*+"|'
    rb"'[^'\n]*+'"
)  # a string that does not end costs one scan
_LEXEME = re.compile(_STRING + rb"|\#[^\n]*|=[ \t]*\[", re.S)  # strings, comments, the start of an array value
_PART = rb"""(?>[A-Za-z0-9_-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""  # atomic: no backtracking
_LONG_KEY = re.compile(rb"(?<![A-Za-z0-9_-])%s(?:[ \t]*+\.[ \t]*+%s){%d}" % (_PART, _PART, MAX_KEY_PARTS), re.S)
_KEY_SCAN = re.compile(_LONG_KEY.pattern + rb"|" + _STRING + rb"|\#[^\n]*", re.S)  # a long key outside strings
_ARRAY_RUN = re.compile(rb"[0-9eE.+\-_ \t\r\n,\[\]infa]*")  # all a large array may hold
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]")
_SIGNED = b"[, \t\r\neE"  # what may come before a + in a number
_TRAILING_COMMA = re.compile(rb"(?<=[0-9a-zA-Z\]])([ \t\r\n]*),([ \t\r\n]*)\]")  # [1, 2 ,] is TOML


class TomlError(Exception):
    """The text is not a network file tomllib and these limits can read; str() follows the file's name."""


class ArrayError(Exception):
    """A large array is not valid TOML; str() says where (line and column in the file)."""


class LongRow(Exception):
    """Row `row` of a large array holds `count` numbers, more than asked for: not read."""

    def __init__(self, row: int, count: int):
        super().__init__(row, count)
        self.row, self.count = row, count


class Numbers:
    """A large array of plain numbers (one level, or rows of numbers), read from the file's text
    when asked: len() counts rows or numbers without reading any, pieces() reads it."""

    def __init__(self, raw: bytes, start: int, end: int, levels: int):
        self.raw, self.start, self.end, self.levels = raw, start, end, levels  # raw[start:end] is "[...]"

    def __len__(self) -> int:
        raw, start, end = self.raw, self.start, self.end
        if self.levels == 2:
            return raw.count(b"[", start, end) - 1
        comma = raw.rfind(b",", start, end)
        if comma < 0:
            return 1 if raw[start + 1 : end - 1].strip() else 0
        return raw.count(b",", start, end) + (1 if raw[comma + 1 : end - 1].strip() else 0)

    def pieces(self, width: int | None = None):
        """The array's elements as lists (rows, or numbers) of at most about PIECE bytes of text
        each: what tomllib would give, ints and floats. Raises ArrayError, and LongRow for a row
        of more than `width` numbers, which is counted, not read."""
        raw, last = self.raw, self.end - 1  # last: the closing bracket
        lone = raw.count(b"\r", self.start, last) - raw.count(b"\r\n", self.start, last)
        if lone:
            raise self.error(raw.find(b"\r", self.start, last), "a carriage return without a line feed")
        plain = not any(raw.find(c, self.start, last) >= 0 for c in (b"+", b"_", b"i", b"n", b"f", b"a"))
        pos, first, rows = self.start + 1, True, 0
        while pos < last:
            if self.levels == 2:  # cut after a row's closing bracket; the next piece starts with its comma
                cut = raw.find(b"]", min(pos + PIECE, last), last)
                cut = last if cut < 0 else cut + 1
                if width is not None:
                    self.check_width(pos, cut, rows, width)
                    rows += raw.count(b"[", pos, cut)
                text = raw[pos:cut].strip()
                if not first:
                    if text and not text.startswith(b","):
                        raise self.error(pos, "expected a comma between rows")
                    text = text[1:]
                if cut == last and text.endswith(b",") and text[:-1].rstrip().endswith(b"]"):
                    text = text[:-1]  # a comma after the last row
                skip = cut
            else:  # cut at a comma
                cut = raw.find(b",", min(pos + PIECE, last), last)
                cut = last if cut < 0 else cut
                text, skip = raw[pos:cut], cut + 1
            if text.strip():
                yield self.read(text, pos, plain, self.levels == 2 or cut == last)
            elif cut < last:
                raise self.error(pos, "expected a number")
            pos, first = skip, False

    def check_width(self, pos: int, cut: int, first: int, width: int) -> None:
        """Raises LongRow for the first row in raw[pos:cut] (rows first, first + 1, ...) of more
        than `width` numbers, counting commas: nothing is read or copied."""
        raw = self.raw
        if raw.count(b",", pos, cut) <= (width + 1) * raw.count(b"[", pos, cut):  # commas in rows and between
            return
        row = first
        while (opening := raw.find(b"[", pos, cut)) >= 0:
            pos = raw.find(b"]", opening, cut)  # the brackets were checked: every row is closed
            comma = raw.rfind(b",", opening, pos)
            count = raw.count(b",", opening, pos) + (1 if raw[comma + 1 : pos].strip() else 0)
            if count > width:
                raise LongRow(row, count)
            row += 1

    def read(self, text: bytes, at: int, plain: bool, last: bool) -> list:
        """One piece of the array's text (its elements, no brackets) read with json. `last`: it may
        end with a comma before the closing bracket, as TOML allows."""
        if not plain:
            text = self.as_json(text, at)
        text = b"[" + text + b"]"
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            error = self.error(at + max(err.pos - 1, 0), "expected numbers separated by commas")
        except ValueError:  # int() past Python's limit on digits
            raise self.error(at, "a whole number of more than 4,300 digits") from None
        if last:  # TOML allows a comma before the closing bracket: [1, 2,]
            try:
                return json.loads(_TRAILING_COMMA.sub(rb"\1\2]", text))
            except ValueError:
                pass
        raise error

    def as_json(self, text: bytes, at: int) -> bytes:
        """TOML's decimal numbers as JSON's: + and _ (checked to be where TOML allows them)
        dropped, inf and nan spelled as json reads them."""
        codes = np.frombuffer(text, np.uint8)
        digit = np.zeros(len(codes) + 2, bool)
        digit[1:-1] = (codes >= ord("0")) & (codes <= ord("9"))
        for i in np.flatnonzero(codes == ord("_")):
            if not (digit[i] and digit[i + 2]):
                raise self.error(at + int(i), "an underscore not between two digits")
        for i in np.flatnonzero(codes == ord("+")):
            if (i > 0 and codes[i - 1] not in _SIGNED) or not (digit[i + 2] or text[i + 1 : i + 2] in (b"i", b"n")):
                raise self.error(at + int(i), "a + sign out of place")
        text = text.translate(None, b"+_")
        return text.replace(b"-nan", b"nan").replace(b"nan", b"NaN").replace(b"inf", b"Infinity")

    def error(self, at: int, what: str) -> ArrayError:
        line = self.raw.count(b"\n", 0, at) + 1
        column = at - self.raw.rfind(b"\n", 0, at)
        return ArrayError(f"is not valid TOML ({what} at line {line}, column {column})")


def _large_array(raw: bytes, start: int) -> tuple[int, int] | None:
    """(end, levels) of the array of plain numbers that starts at raw[start], if it is LARGE or
    longer and has one level, or rows of numbers; else None (tomllib reads it)."""
    run = _ARRAY_RUN.match(raw, start).end()
    end = raw.rfind(b"]", start, run) + 1
    if end - start < LARGE:
        return None
    brackets = raw[start:end].translate(None, _NOT_BRACKETS)
    if brackets == b"[]":
        return end, 1
    if brackets.startswith(b"[[") and brackets.endswith(b"]]") and not brackets[1:-1].replace(b"[]", b""):
        return end, 2
    return None


def parse(raw: bytes) -> dict:
    """The document in `raw` (UTF-8 TOML), with each large array of plain numbers as a Numbers.
    Raises TomlError."""
    marker = int.from_bytes(os.urandom(7), "little")  # stands for array i as [marker + i]: text nobody can have written
    rest, arrays, copied, pos, lexemes = [], [], 0, 0, 0
    while match := _LEXEME.search(raw, pos):
        lexemes += 1
        if lexemes > MAX_LEXEMES:
            raise TomlError(
                f"has more than {MAX_LEXEMES:,} strings, comments and array values, more than a network file needs"
            )
        pos = match.end()
        if match.group()[:1] != b"=":
            continue
        start = pos - 1
        found = _large_array(raw, start)
        if found is None:
            continue
        end, levels = found
        # the placeholder keeps the array's line breaks, so tomllib's line numbers stay the file's
        rest += [raw[copied:start], b"[%d%s]" % (marker + len(arrays), b"\n" * raw.count(b"\n", start, end))]
        arrays.append(Numbers(raw, start, end, levels))
        copied = pos = end
    rest.append(raw[copied:])
    text = b"".join(rest)
    if len(text) > MAX_REST_BYTES:
        raise TomlError(
            f"has {len(text):,} bytes besides its large arrays of plain numbers, more than the limit "
            f"of {MAX_REST_BYTES:,} (write large data as plain numbers, or in a data file)"
        )
    _check_keys(text)
    try:
        doc = tomllib.loads(text.decode("utf-8"))
        return _put_back(doc, {marker + i: a for i, a in enumerate(arrays)}) if arrays else doc
    except UnicodeDecodeError:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise TomlError(f"is not UTF-8 text (byte {err.start})") from None
        raise TomlError("is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise TomlError(f"is not valid TOML ({err})") from None
    except RecursionError:
        raise TomlError("holds arrays or tables nested too deeply (a network file needs two levels at most)") from None
    except ValueError:  # int() past Python's limit on digits
        raise TomlError("holds a whole number of more than 4,300 digits") from None


def _check_keys(text: bytes) -> None:
    """tomllib's time grows with the square of a dotted key's parts: refuse long keys first."""
    for match in _KEY_SCAN.finditer(text):
        if _LONG_KEY.fullmatch(match.group()):
            line = text.count(b"\n", 0, match.start()) + 1
            raise TomlError(
                f"line {line}: a key of more than {MAX_KEY_PARTS} parts (a.b.c...), more than a network file needs"
            )


def _put_back(value, arrays: dict):
    if isinstance(value, dict):
        return {k: _put_back(v, arrays) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) == 1 and type(value[0]) is int and value[0] in arrays:
            return arrays[value[0]]
        return [_put_back(v, arrays) for v in value]
    return value
