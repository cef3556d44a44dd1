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

from . import floattext

MAX_REST_BYTES = 512 * 2**10  # the text tomllib reads: names, comments, keys, small arrays
MAX_LEXEMES = 100_000  # strings, comments and array values met while looking for the large arrays
MAX_KEY_PARTS = 32  # a valid network file's longest key has 2 (data.X)
LARGE = 1024  # bytes: an array of plain numbers this long or longer is read apart
PIECE = 2**16  # bytes of a large array read at a time: small, so NumPy's temporary arrays are reused

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
_MAY_PRECEDE_PLUS = np.zeros(256, bool)  # what may come before a + in a number
_MAY_PRECEDE_PLUS[list(b"[, \t\r\neE")] = True
_MAY_FOLLOW_PLUS = np.zeros(256, bool)  # besides a digit: inf, nan
_MAY_FOLLOW_PLUS[list(b"in")] = True
_NOT_PLAIN = (b"+", b"_", b"i", b"n", b"f", b"a")  # what as_json rewrites for json
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
        self.length: int | None = None  # counted once: it is asked for several times

    def __len__(self) -> int:
        if self.length is None:
            self.length = self.count()
        return self.length

    def count(self) -> int:
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
        for _, text, at, plain, last in self.texts(width):
            yield self.read(text, at, plain, last)

    def doubtful(self, width: int | None = None):
        """(index of its first element, elements) of each piece of pieces() that a scan cannot vouch
        for, read; raises as pieces() does. A piece is vouched for (_vouched) when it is valid,
        its numbers are certainly finite and, given a width, each row holds `width` of them: when
        nothing in it can be wrong. So what is wrong late in a large array is found without
        converting what comes before."""
        for index, text, at, plain, last in self.texts(width):
            if not _vouched(text if plain else self.as_json(text, at), self.levels, width, last):
                yield index, self.read(text, at, plain, last)

    def texts(self, width: int | None = None):
        """(index of its first element, text, where it starts, plain, last) of each piece of the
        array's text that pieces() reads; raises, before the piece at fault, as pieces() does."""
        raw, last = self.raw, self.end - 1  # last: the closing bracket
        returns = raw.find(b"\r", self.start, last) >= 0 and raw.count(b"\r", self.start, last)
        if returns and returns != raw.count(b"\r\n", self.start, last):
            raise self.error(raw.find(b"\r", self.start, last), "a carriage return without a line feed")
        plain = not any(raw.find(c, self.start, last) >= 0 for c in _NOT_PLAIN)
        pos, first, index = self.start + 1, True, 0
        while pos < last:
            if self.levels == 2:  # cut after a row's closing bracket; the next piece starts with its comma
                cut = raw.find(b"]", min(pos + PIECE, last), last)
                cut = last if cut < 0 else cut + 1
                count = raw.count(b"[", pos, cut)
                if width is not None:
                    self.check_width(pos, cut, index, width, count)
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
                count = text.count(b",") + 1
            if text.strip():
                # a piece of plain numbers in an array that is not: as_json need not copy it
                plain_piece = plain or not any(c in text for c in _NOT_PLAIN)
                yield index, text, pos, plain_piece, self.levels == 2 or cut == last
            elif cut < last:
                raise self.error(pos, "expected a number")
            pos, first, index = skip, False, index + count

    def check_width(self, pos: int, cut: int, first: int, width: int, rows: int) -> None:
        """Raises LongRow for the first row in raw[pos:cut] (`rows` rows: first, first + 1, ...) of
        more than `width` numbers, counting commas: nothing is read or copied."""
        raw = self.raw
        if raw.count(b",", pos, cut) <= (width + 1) * rows:  # commas in rows and between
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
        codes = np.frombuffer(text + b" ", np.uint8)  # a blank after the last: codes[i + 1] is there
        digit = np.zeros(len(codes) + 1, bool)  # digit[i + 1]: codes[i] is a digit
        digit[1:] = (codes >= ord("0")) & (codes <= ord("9"))
        under = np.flatnonzero(codes == ord("_"))
        misplaced = under[~(digit[under] & digit[under + 2])]
        if len(misplaced):
            raise self.error(at + int(misplaced[0]), "an underscore not between two digits")
        plus = np.flatnonzero(codes == ord("+"))
        after_sign = _MAY_PRECEDE_PLUS.take(codes.take(plus - 1)) | (plus == 0)
        before_number = digit.take(plus + 2) | _MAY_FOLLOW_PLUS.take(codes.take(plus + 1))
        misplaced = plus[~(after_sign & before_number)]
        if len(misplaced):
            raise self.error(at + int(misplaced[0]), "a + sign out of place")
        text = text.translate(None, b"+_")
        return text.replace(b"-nan", b"nan").replace(b"nan", b"NaN").replace(b"inf", b"Infinity")

    def error(self, at: int, what: str) -> ArrayError:
        line = self.raw.count(b"\n", 0, at) + 1
        column = at - self.raw.rfind(b"\n", 0, at)
        return ArrayError(f"is not valid TOML ({what} at line {line}, column {column})")


# A piece of a large array is vouched for without converting a number (_vouched), as CSV rows
# are (network._csv_counted): blanks are dropped once none is found inside a number, every byte
# left but a digit is a token, and JSON's grammar of rows of numbers comes down to which token
# may follow which, with digits between or not, given the token before. Tokens:
_COMMA, _OPEN, _CLOSE, _MINUS, _POINT, _EXP, _OTHER = range(7)
_TOKEN_KIND = np.full(256, _OTHER, np.uint8)
for _kind, _chars in ((_COMMA, b","), (_OPEN, b"["), (_CLOSE, b"]"), (_MINUS, b"-"), (_POINT, b"."), (_EXP, b"eE")):
    _TOKEN_KIND[list(_chars)] = _kind
_STARTS_A_NUMBER = np.zeros(7, bool)  # followed by digits: the first digits of a number
_STARTS_A_NUMBER[[_COMMA, _OPEN]] = True
_NUMBERISH = bytes(c in b"0123456789-.eE" for c in range(256))  # bytes.translate table
_LONGEST_DIGITS = 200  # digits in a row: more may pass float64's range (or Python's int limit)


def _json_grammar() -> np.ndarray:
    """Whether token b may follow token a, indexed by (((before·2 + d₀)·6 + a)·2 + d)·6 + b: d
    says whether digits come between a and b, d₀ between `before` and a. Rows of JSON numbers,
    a comma allowed before ] (TOML allows it; read() drops it)."""
    number_end = ("point", "exponent", "comma in a row", _CLOSE)  # what may follow a number's first digits
    may_follow = {  # (a, digits between) → what b may be
        (_OPEN, False): ("sign",),
        (_OPEN, True): number_end,
        ("comma in a row", False): ("sign", _CLOSE),
        ("comma in a row", True): number_end,
        ("comma between rows", False): (_OPEN,),
        (_CLOSE, False): ("comma between rows",),
        ("sign", True): number_end,
        ("point", True): ("exponent", "comma in a row", _CLOSE),
        ("exponent", False): ("exponent sign",),
        ("exponent", True): ("comma in a row", _CLOSE),
        ("exponent sign", True): ("comma in a row", _CLOSE),
    }

    def role(before, digits, token):
        if token == _COMMA:
            return "comma in a row" if digits else "comma between rows" if before == _CLOSE else None
        if token == _MINUS and not digits:
            return "exponent sign" if before == _EXP else "sign" if before in (_OPEN, _COMMA) else None
        if token in (_POINT, _EXP):
            return ("point" if token == _POINT else "exponent") if digits else None
        return token if token in (_OPEN, _CLOSE) else None

    table = np.zeros(6 * 2 * 6 * 2 * 6, bool)
    for before, d0, a, d, b in np.ndindex(6, 2, 6, 2, 6):
        first = role(before, d0, a)
        table[(((before * 2 + d0) * 6 + a) * 2 + d) * 6 + b] = role(a, d, b) in may_follow.get((first, bool(d)), ())
    return table


_JSON_GRAMMAR = _json_grammar()


def _vouched(text: bytes, levels: int, width: int | None, last: bool) -> bool:
    """Whether json reads `text` (a piece of a large array, as JSON: rows of numbers, or numbers)
    as read() does, into what is asked for: rows of `width` finite numbers, or without a width,
    finite numbers. False when in doubt: the piece is then read to know."""
    if (levels == 1) != (width is None) or levels == 1 and not last and text.rstrip().endswith(b","):
        return False  # numbers where rows are asked for, or rows for numbers; a comma before a comma
    # around it, what makes it look like rows between rows: "], " before and ", [" after
    data = b"]," + text + b",[" if levels == 2 else b"[" + text + b"]"
    raw = np.frombuffer(data, np.uint8)
    blank = raw <= 32  # and control characters, which are no token: in doubt
    if blank.any():
        numberish = np.frombuffer(data.translate(_NUMBERISH), bool)
        if (blank[1:] & blank[:-1]).any():  # runs of blanks: what is on either side of each
            starts = (blank[1:] & ~blank[:-1]).nonzero()[0] + 1
            ends = (blank[:-1] & ~blank[1:]).nonzero()[0]
            inside = numberish.take(starts - 1) & numberish.take(ends + 1)
        else:
            inside = blank[1:-1] & numberish[:-2] & numberish[2:]
        if inside.any():
            return False  # a blank inside a number, or between two
        data = data.translate(None, b" \n\t\r")
        raw = np.frombuffer(data, np.uint8)
    at = ((raw - 48) > 9).nonzero()[0].astype(np.int32)  # every byte but a digit (uint8: '0' - 48 wraps)
    kind = _TOKEN_KIND.take(raw.take(at))
    if (kind == _OTHER).any():
        return False
    gaps = at[1:] - at[:-1] - 1  # digits between token i and token i + 1
    if gaps.max(initial=0) > _LONGEST_DIGITS:
        return False
    digits = np.append(gaps > 0, False)
    # a number with a leading zero: a token followed by 0 and more digits, but a point's or an e's
    zeros = np.flatnonzero((raw.take(at[:-1] + 1) == 48) & (gaps > 1))
    if len(zeros):
        opener, before = kind.take(zeros), kind.take(zeros - 1)  # the first, a bracket, is no sign
        if (_STARTS_A_NUMBER.take(opener) | (opener == _MINUS) & (before != _EXP)).any():
            return False
    token = np.append(np.uint16(_OPEN), kind)  # before the first, a token after which it may come
    follows = np.append(True, digits)  # follows[i]: digits between token[i] and token[i + 1]
    grammar = (((token[:-2] * 2 + follows[:-2]) * 6 + token[1:-1]) * 2 + follows[1:-1]) * 6 + token[2:]
    if not _JSON_GRAMMAR.take(grammar).all() or not _finite(data, raw, at, kind, gaps, digits):
        return False
    if width is None:
        return True
    opens, closes = (kind == _OPEN).nonzero()[0][:-1], (kind == _CLOSE).nonzero()[0][1:]
    commas = (kind == _COMMA).nonzero()[0]
    trailing = (kind.take(closes - 1) == _COMMA) & ~digits.take(closes - 1)  # a comma before ]
    numbers = commas.searchsorted(closes) - commas.searchsorted(opens) + ~trailing
    return bool((numbers == width).all())


def _finite(data, raw, at, kind, gaps, digits) -> bool:
    """Whether every number of a valid piece (the tokens as _vouched found them) is finite,
    decided from its text (floattext), as network._csv_finite decides a CSV file's: one whose
    exponent has at most two digits is (its digits come in runs of at most _LONGEST_DIGITS)."""
    exps = (kind == _EXP).nonzero()[0]
    if not len(exps):
        return True
    signed = (kind.take(exps + 1) == _MINUS) & ~digits.take(exps)
    count = gaps.take(exps + signed)  # the exponent's digits
    large = ~signed & (count >= 3)
    if not large.any():
        return True
    exps, count = exps[large], count[large]
    prev = exps - 1  # the token before each e: its point, or what comes before the number
    pointed, before = kind.take(prev) == _POINT, gaps.take(prev)
    before_point = np.where(pointed, gaps.take(prev - 1, mode="clip"), before)
    length = before_point + pointed * (before + 1)  # the mantissa's, in bytes
    if length.max() > floattext.LONGEST or count.max() > floattext.LONGEST:
        return False  # in doubt: read to know
    where = at.take(exps)
    words = floattext.aligned(data)
    place = floattext.exponents(raw, words, where + 1 + count, count) + before_point
    return not floattext.above(words, where - length, length, before_point, place, floattext.INF).any()


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
    moved, size = [], 0  # where each placeholder ends in the text tomllib reads, and its array in raw; the text's size
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
        # without the array's line breaks (one a row, tomllib would skip them a character at a time):
        # its messages are put back in the file's lines (_in_file)
        placeholder = b"[%d]" % (marker + len(arrays))
        rest += [raw[copied:start], placeholder]
        size += start - copied + len(placeholder)
        moved.append((size, end))
        arrays.append(Numbers(raw, start, end, levels))
        copied = pos = end
    rest.append(raw[copied:])
    text = b"".join(rest)
    if len(text) > MAX_REST_BYTES:
        raise TomlError(
            f"has {len(text):,} bytes besides its large arrays of plain numbers, more than the limit "
            f"of {MAX_REST_BYTES:,} (write large data as plain numbers, or in a data file)"
        )
    _check_keys(text, raw, moved)
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
        raise TomlError(f"is not valid TOML ({_placed(str(err), text, raw, moved)})") from None
    except RecursionError:
        raise TomlError("holds arrays or tables nested too deeply (a network file needs two levels at most)") from None
    except ValueError:  # int() past Python's limit on digits
        raise TomlError("holds a whole number of more than 4,300 digits") from None


def _check_keys(text: bytes, raw: bytes, moved: list) -> None:
    """tomllib's time grows with the square of a dotted key's parts: refuse long keys first."""
    for match in _KEY_SCAN.finditer(text):
        if _LONG_KEY.fullmatch(match.group()):
            line = _in_file(match.start(), raw, moved)[0]
            raise TomlError(
                f"line {line}: a key of more than {MAX_KEY_PARTS} parts (a.b.c...), more than a network file needs"
            )


def _in_file(at: int, raw: bytes, moved: list) -> tuple[int, int]:
    """The line and column in the file (raw) of byte `at` of the text tomllib reads, where each
    large array is a placeholder: moved holds where each ends in the text, and its array in raw."""
    shift = 0
    for placeholder_end, array_end in moved:
        if placeholder_end > at:
            break
        shift = array_end - placeholder_end
    at += shift
    start = raw.rfind(b"\n", 0, at) + 1
    return raw.count(b"\n", 0, at) + 1, len(raw[start:at].decode("utf-8", "replace")) + 1


def _placed(message: str, text: bytes, raw: bytes, moved: list) -> str:
    """tomllib's message, its line and column in `text` made the file's (_in_file)."""
    found = re.search(r"\(at line (\d+), column (\d+)\)$", message)
    if not found:
        return message
    line, column = int(found[1]), int(found[2])
    start = int(np.flatnonzero(np.frombuffer(text, np.uint8) == 10)[line - 2]) + 1 if line > 1 else 0
    at = start + len(text[start:].split(b"\n", 1)[0].decode("utf-8", "replace")[: column - 1].encode())
    line, column = _in_file(at, raw, moved)
    return f"{message[: found.start()]}(at line {line}, column {column})"


def _put_back(value, arrays: dict):
    if isinstance(value, dict):
        return {k: _put_back(v, arrays) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) == 1 and type(value[0]) is int and value[0] in arrays:
            return arrays[value[0]]
        return [_put_back(v, arrays) for v in value]
    return value
