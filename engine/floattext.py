"""Where float64 rounds a decimal number, decided from its text without converting it.

Converting a number costs 0.2 to 6 µs (the most for long numbers near a rounding boundary at a
large exponent), so the scans of CSV data files and of a network file's large arrays decide
from the digits whether a number is finite (network._csv_finite, tomldoc._vouched) and whether
a target is within its loss's rule (network._csv_targets). A number is 0.ddd… × 10^place, its
digits (leading zeros and all) from its mantissa's first character; it is compared with a bound
written the same way, 8 bytes at a time.
"""

from __future__ import annotations

import functools

import numpy as np

# A bound: its digits d (it is 0.d × 10^place) and place.
INF = (str(2**1024 - 2**970), 309)  # the least number float64 rounds to inf
ONE = (str((2**53 + 1) * 5**53), 1)  # 1 + 2**-53: it rounds to 1.0, what is above it above 1.0
TINY = (str(5**1075), -323)  # 2**-1075: a negative number above it in size rounds below 0 (under it, to -0.0)
LONGEST = 100  # characters of a mantissa compared with a bound, and of an exponent's leading part

_ZEROS = 100 * 101 + 100  # a column of _limit_words of zeros: a text is above it unless all zeros


def aligned(data: bytes) -> np.ndarray:
    """`data` as big-endian 8-byte words, padded: what the functions below read a text from."""
    return np.frombuffer(data + bytes(16 - len(data) % 8), ">u8").astype(np.uint64)  # NumPy is slow on big-endian


def exponents(raw, words, end, count) -> np.ndarray:
    """The value of each exponent of `count` (<= LONGEST) digits that ends before byte `end` of
    the text (raw: its bytes, words: aligned()), or 1000 and more for one of 1000 or more: no
    number of at most LONGEST characters then lies near a bound."""
    value = raw.take(end - 3) * np.int32(100) + raw.take(end - 2) * np.int32(10) + raw.take(end - 1)
    value -= 5328  # the three digits' "000"
    if (short := count < 3).any():  # a digit fewer: the byte before it is none
        value = np.where(short, value - (raw.take(end - 3) - np.int32(48)) * 100, value)
        value = np.where(count < 2, value - (raw.take(end - 2) - np.int32(48)) * 10, value)
    if (count > 3).any():  # 1000 if a digit but 0 comes before the last three
        value += 1000 * _above(words, end - count, count - 3, np.full(len(count), _ZEROS), INF)
    return value


def above(words, start, length, digits, place, bound) -> np.ndarray:
    """Whether float64 takes each number past `bound`: its mantissa at byte `start` of the text
    (words: aligned()), `length` (<= LONGEST) bytes, `digits` of them before its point (or all),
    the number 0.ddd… × 10^place. Past means above the bound: at or above it would be the same
    for INF and TINY, whose digits no text of LONGEST characters ends with; ONE rounds to 1.0."""
    near = place >= bound[1]  # below: the number is under 10^(place) <= the bound
    if near.all():  # most often, where numbers are near float64's limit
        return _above(words, start, length, np.minimum(place - bound[1], 100) * 101 + digits, bound)
    result = np.zeros(len(start), bool)
    if near.any():
        column = np.minimum(place[near] - bound[1], 100) * 101 + digits[near]
        result[near] = _above(words, start[near], length[near], column, bound)
    return result


@functools.cache
def _limit_words(bound: tuple[str, int]) -> np.ndarray:
    """Column s·101 + o: the first 104 characters of s zeros then the bound's digits (then zeros),
    a point inserted after the first o, as 13 8-byte integers read big-endian (their order is the
    bytes'; stored in native order, contiguous for take): a number's text is compared with it 8
    bytes at a time (_above)."""
    digits = bound[0] + "0" * 105
    texts = ((("0" * s + digits)[:o] + "." + ("0" * s + digits)[o:])[:104] for s in range(101) for o in range(101))
    return np.frombuffer("".join(texts).encode(), ">u8").reshape(-1, 13).T.astype(np.uint64, order="C")


def _words(words, at) -> np.ndarray:
    """The 8 bytes from each byte `at` of a text, as big-endian integers (their order is the
    bytes'): two of its aligned words joined, a third of what gathering unaligned ones costs."""
    word, shift = at >> 3, (at & 7).astype(np.uint64) << np.uint64(3)
    return (words.take(word, mode="clip") << shift) | (words.take(word + 1, mode="clip") >> (np.uint64(64) - shift))


_FIRST_BYTES = np.array([2**64 - 2 ** (64 - 8 * k) for k in range(9)], np.uint64)  # k: a mask of a word's first k bytes


def _first_bytes(count) -> np.ndarray:
    """Masks of the first `count` bytes of a word: none for 0 or fewer, all from 8."""
    return _FIRST_BYTES.take(count, mode="clip")


def _above(words, at, length, expected, bound) -> np.ndarray:
    """Whether each text at `at` of `length` (<= 100) bytes is above the first `length` characters
    of column `expected` of _limit_words(bound), 8 bytes at a time (_words): the first 8 of every
    text, then the rest of those still the same at once, word k in row k (a loop would cost a
    NumPy call, as much as thousands of numbers, for each word of the few long texts)."""
    keep = _first_bytes(length)  # the text's bytes of its first 8
    mine, theirs = _words(words, at) & keep, _limit_words(bound)[0].take(expected) & keep
    result = mine > theirs
    if (rest := ((mine == theirs) & (length > 8)).nonzero()[0]).size:
        at, length, expected = at.take(rest), length.take(rest), expected.take(rest)
        k = np.arange(8, int(length.max()), 8)[:, None]
        keep = _first_bytes(length - k)
        mine = _words(words, at + k) & keep
        theirs = _limit_words(bound)[1 : len(k) + 1].take(expected, axis=1) & keep
        differ = mine != theirs
        differ[1:] &= ~np.logical_or.accumulate(differ, axis=0)[:-1]  # the first word that differs
        result[rest] = (differ & (mine > theirs)).any(axis=0)
    return result
