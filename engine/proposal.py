"""A network proposed for a CSV file whose first line names its columns (`backprop-tui new`):
the table read with the rules and limits of a network's .csv data files (engine/network.py: the
same values, the same lengths, blank lines skipped), the columns chosen as inputs and targets,
a network that fits them, and its network file.

The proposal: inputs standardised; one hidden layer of tanh units; from the targets, a sigmoid
output with binary cross-entropy (0/1 targets, or a column of two labels), a softmax output
with cross-entropy (one-hot 0/1 columns, or a column of three labels or more, one output each),
or else an identity output with mean squared error on standardised targets."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .files import FileRefused, check_target, open_regular, printable, quoted, write_atomic, write_atomic_stream
from .network import (
    CSV_BLANKS,
    INLINE_PARAMS,
    MAX_CSV_VALUE,
    MAX_DATA_FILE_BYTES,
    MAX_PARAMS,
    MAX_SAMPLES,
    MAX_UNITS,
    MAX_VALUES,
    Layer,
    Network,
    _csv_rows,
    _naming,
    csv_line_blocks,
    csv_number,
    initial_params,
    long_csv_value,
    not_a_csv_number,
    sample_limit,
)
from .notation import counted

# Lines holding text are read by Python, ~2-5 µs a value: so many of them at most, so that reading
# (or refusing) such a file stays under 2 s. Numbers alone are read at C speed up to the data limits.
MAX_TEXT_VALUES = 150_000
MAX_CLASSES = 1000  # different labels in a column of text; past them it is no column of classes
SEED = 1
STANDARDISED = "each column minus its mean, over its standard deviation"
_BOM = b"\xef\xbb\xbf"  # what spreadsheets put before a CSV's first line


class CsvError(Exception):
    """A CSV file that cannot be read, or columns that cannot be chosen: one line. `message` is
    the words that follow the file's name."""

    def __init__(self, source: str, message: str):
        self.source, self.message = printable(source, 120), printable(message, 300)
        super().__init__(f"{self.source}: {self.message}")


@dataclass(frozen=True, eq=False)  # one column is equal to itself only (it holds an array)
class Column:
    number: int  # counted from 1, as the user names it
    name: str  # from the header, as written (shown through printable)
    labels: tuple[str, ...] | None  # a column of text: its different labels, sorted; None: numbers
    codes: np.ndarray | None  # with labels: each row's, as its index in labels
    problem: str | None  # the first value that makes it neither numbers nor labels: "line 7: found …"

    def __str__(self) -> str:
        return f"column {self.number} ({quoted(self.name)})" if self.name else f"column {self.number}"


@dataclass(frozen=True, eq=False)
class Table:
    source: str
    columns: tuple[Column, ...]
    values: np.ndarray  # rows × columns, float64; nan where a value is no number

    @property
    def rows(self) -> int:
        return self.values.shape[0]

    def describe(self, column: Column) -> str:
        """One line for the list of columns: what it holds."""
        if column.problem:
            return f"neither numbers nor labels: {column.problem}"
        if column.labels is not None:
            return f"{counted(len(column.labels), 'label')}: {_listed(column.labels)}"
        values = self.values[:, column.number - 1]
        return f"numbers from {values.min():.6g} to {values.max():.6g}"

    def numbers_besides(self, targets: list[Column]) -> list[Column]:
        """The columns of numbers that are not targets: the inputs when none are named."""
        return [c for c in self.columns if c.labels is None and not c.problem and c not in targets]

    def chosen(self, text: str) -> list[Column]:
        """The columns `text` names, in its order: names, numbers counted from 1, or ranges of
        numbers (2-5), comma-separated; a name is looked up first. Raises CsvError."""
        count = len(self.columns)
        named: dict[str, list[Column]] = {}
        for column in self.columns:
            named.setdefault(column.name, []).append(column)
        chosen = []
        for word in (w.strip(CSV_BLANKS) for w in text.split(",")):
            same = named.get(word, []) if word else []
            if len(same) > 1:
                numbers = ", ".join(str(c.number) for c in same)
                raise CsvError(self.source, f"{quoted(word)} names columns {numbers}: give the number of one")
            if same:
                chosen += same
            elif match := re.fullmatch(r"([0-9]{1,9})(?:-([0-9]{1,9}))?", word):
                first, last = int(match[1]), int(match[2] or match[1])
                if not 1 <= first <= last <= count:
                    raise CsvError(self.source, f"found {quoted(word)}, but the columns are numbered 1 to {count}")
                chosen += self.columns[first - 1 : last]
            elif word:
                raise CsvError(
                    self.source,
                    f"no column is named {quoted(word)} (give names, or numbers from 1 to {count}, comma-separated)",
                )
        if not chosen:
            raise CsvError(self.source, "found no column, expected names or numbers, comma-separated")
        return list(dict.fromkeys(chosen))  # each once


# ---------------------------------------------------------------------------------------------
# Reading


def read_table(path: str | os.PathLike) -> Table:
    """The CSV file at `path`: a header line naming the columns, then rows of values, each a
    number as in a network's .csv data file or, for a whole column, a text label (in double
    quotes or not, no comma). Raises CsvError for a file that is not one."""
    source = str(path)
    try:
        with open_regular(path, MAX_DATA_FILE_BYTES) as handle:
            return _Reader(source).table(handle)
    except FileNotFoundError:
        raise CsvError(source, "no such file") from None
    except FileRefused as err:
        raise CsvError(source, str(err)) from None
    except OSError as err:
        raise CsvError(source, f"cannot be read ({err.strerror or err})") from None


def _label(cell: str) -> str:
    cell = cell.strip(CSV_BLANKS)
    return cell[1:-1] if len(cell) >= 2 and cell[0] == cell[-1] == '"' else cell


class _Reader:
    """The rows block by block: a block of numbers only at C speed (network._csv_rows, the data
    files' own reader), the others, and every block once a column of labels is met, line by line."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, message: str):
        raise CsvError(self.source, message)

    def table(self, handle) -> Table:
        names = self.header(handle)
        width = len(names)
        self.labels: list[dict[str, int]] = [{} for _ in names]  # label → code, in the order met
        self.codes: list[list[int]] = [[] for _ in names]
        self.problems: list[str | None] = [None] * width
        self.kinds: list[str | None] = [None] * width  # "numbers" or "labels", from its first value
        self.slow = 0  # values read line by line so far (see MAX_TEXT_VALUES)

        def too_long(before, line, start, long):
            self.lines(before, line, width)  # the lines before it first
            self.fail(
                f"line {long} is longer than any row can be ({width:,} values of at most {MAX_CSV_VALUE} characters)"
            )

        blocks, rows = [], 0
        for line, block in csv_line_blocks(handle, width, 2, too_long):
            labelled = any(k == "labels" and not p for k, p in zip(self.kinds, self.problems))
            values = None if labelled else _csv_rows(block, width)
            if values is None:
                values = self.lines(block, line, width)
            else:
                self.kinds = [kind or "numbers" for kind in self.kinds]
            rows += len(values)
            if rows > MAX_SAMPLES:
                self.fail(f"has more than the limit of {MAX_SAMPLES:,} rows")
            if rows * width > MAX_VALUES:
                self.fail(f"has more than {MAX_VALUES:,} values (rows × columns), the limit of a network's data")
            blocks.append(values)
        if rows == 0:
            self.fail("has no rows under its header, expected at least one")
        if self.no_header(names):
            self.fail("line 1 holds numbers over columns of numbers, expected a header line naming the columns")
        columns = []
        for j, name in enumerate(names):
            labels, codes = None, None
            if self.kinds[j] == "labels" and self.problems[j] is None:
                labels = tuple(sorted(self.labels[j]))
                rank = {label: i for i, label in enumerate(labels)}
                codes = np.array([rank[label] for label in self.labels[j]])[self.codes[j]]  # met → sorted order
            columns.append(Column(j + 1, name, labels, codes, self.problems[j]))
        return Table(self.source, tuple(columns), np.vstack(blocks))

    def header(self, handle) -> list[str]:
        limit = MAX_UNITS * (MAX_CSV_VALUE + 1)
        raw = handle.readline(limit + 1).removeprefix(_BOM)
        if not raw:
            self.fail("is empty, expected a header line naming the columns, then rows of values")
        if len(raw) > limit:
            self.fail(f"line 1 is longer than a header of {MAX_UNITS:,} names of at most {MAX_CSV_VALUE} characters")
        try:
            cells = raw.decode("utf-8").removesuffix("\n").split(",")
        except UnicodeDecodeError:
            self.fail("line 1 is not UTF-8 text")
        if any(len(cell) > MAX_CSV_VALUE for cell in cells):
            longest = max(len(cell) for cell in cells)
            self.fail(f"line 1: found a name of {longest:,} characters, expected at most {MAX_CSV_VALUE}")
        if len(cells) > MAX_UNITS:
            self.fail(f"line 1 names {len(cells):,} columns, more than the limit of {MAX_UNITS:,}")
        names = [_label(cell) for cell in cells]
        if not any(names):
            self.fail("line 1 is blank, expected a header line naming the columns")
        return names

    def no_header(self, names: list[str]) -> bool:
        """Whether line 1 looks like a row: a number names every column of numbers."""

        def number(name: str) -> bool:
            try:
                return csv_number(name) is not None
            except ValueError:  # nan, inf
                return True

        numbers = [name for name, kind in zip(names, self.kinds) if kind == "numbers"]
        return bool(numbers) and all(map(number, numbers))

    def lines(self, block: bytes, line: int, width: int) -> np.ndarray:
        """The rows of `block` (whole lines, the first numbered `line`), nan where a value is no
        number; what each column holds is noted as it goes (kinds, labels, problems)."""
        rows = []
        for number, raw in enumerate(block.split(b"\n"), start=line):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                self.fail(f"line {number} is not UTF-8 text")
            cells = text.split(",")
            if all(not cell.strip(CSV_BLANKS) for cell in cells):
                continue  # a blank line, or one of empty cells
            if len(cells) != width:
                self.fail(f"line {number} has {len(cells):,} values, expected {width:,} (one for each column)")
            self.slow += width
            if self.slow > MAX_TEXT_VALUES:
                self.fail(
                    f"line {number}: more than {MAX_TEXT_VALUES:,} values on lines with text, the limit for a CSV "
                    "with a column of labels (write the classes as numbers, or one-hot columns, for more)"
                )
            row = []
            for j, cell in enumerate(cells):
                if len(cell) > MAX_CSV_VALUE:
                    self.fail(f"line {number}: {long_csv_value(cell)}")
                where = f"line {number}: "
                try:
                    value = csv_number(cell)
                except ValueError as err:  # nan, inf
                    self.spoil(j, where + str(err))
                    value = None
                else:
                    (self.numbered if value is not None else self.labelled)(j, cell, where)
                row.append(np.nan if value is None else value)
            rows.append(row)
        return np.array(rows, dtype=np.float64).reshape(len(rows), width)

    def numbered(self, j: int, cell: str, where: str) -> None:
        kind = self.kinds[j] = self.kinds[j] or "numbers"
        if kind == "labels":
            self.spoil(j, f"{where}found the number {quoted(cell.strip(CSV_BLANKS), 30)} among labels")

    def labelled(self, j: int, cell: str, where: str) -> None:
        label = _label(cell)
        kind = self.kinds[j] = self.kinds[j] or "labels"
        if kind == "numbers" or not label:
            self.spoil(j, where + not_a_csv_number(cell))
        elif self.problems[j] is None:
            codes = self.labels[j]
            if label not in codes and len(codes) == MAX_CLASSES:
                self.spoil(j, f"{where}found more than {MAX_CLASSES:,} different labels, expected classes")
            else:
                self.codes[j].append(codes.setdefault(label, len(codes)))

    def spoil(self, j: int, problem: str) -> None:
        """Column j is neither numbers nor labels: the first value that says so, with its line."""
        self.kinds[j] = self.kinds[j] or "numbers"
        if self.problems[j] is None:
            self.problems[j] = problem


# ---------------------------------------------------------------------------------------------
# The proposal


@dataclass(frozen=True)
class Proposal:
    network: Network
    csv: str  # the file's name, as the description says it
    inputs: str  # what the inputs are, as the summary and the description say it
    targets: str  # what the targets are, likewise

    @property
    def inline(self) -> bool:
        """Whether the data goes in the network file (as save() keeps small networks' parameters),
        not in a .csv beside it."""
        return self.network.X.size + self.network.Y.size <= INLINE_PARAMS

    def summary(self) -> list[str]:
        """A few lines: the network, its inputs and targets."""
        net = self.network
        layers = ", ".join(f"{layer.activation} ({layer.units})" for layer in net.layers)
        return [
            f"network  {'-'.join(map(str, net.sizes))}: {layers}; loss {net.loss} ({net.reduction}); "
            f"learning rate {net.learning_rate:g}; seed {net.seed}",
            f"inputs   {self.inputs}",
            f"targets  {self.targets}",
            f"samples  {counted(net.samples, 'row')} of {self.csv}",
        ]


def _listed(names, most: int = 6) -> str:
    """Names for one line: each escaped and cut, the first and last of many."""
    shown = [printable(name, 30) or '""' for name in names]
    if len(shown) > most:
        shown = shown[: most - 2] + ["…", shown[-1]]
    return ", ".join(shown)


def _standardised(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each column minus its mean, over its standard deviation (1 for a constant column), to 4
    decimals, as the real-data presets are: the file holds exactly the numbers the app shows."""
    mean, deviation = values.mean(axis=0), values.std(axis=0)
    deviation = np.where(deviation > 0, deviation, 1.0)
    return np.round((values - mean) / deviation, 4) + 0.0, mean, deviation  # + 0.0: no -0


def targets_of(table: Table, targets: list[Column]) -> tuple[np.ndarray, str, str, str]:
    """Y for these target columns, the last layer's activation, the loss, and what the targets
    are in words. Raises CsvError for columns that cannot be targets together."""

    def fail(message: str):
        raise CsvError(table.source, message)

    if not targets:
        fail("expected at least one target")
    for column in targets:
        if column.problem:
            fail(f"{column} cannot be a target: {column.problem}")
    labelled = [column for column in targets if column.labels is not None]
    if labelled:
        column, labels = labelled[0], labelled[0].labels
        if len(targets) > 1:
            fail(f"{column} holds labels, so it is the only target (one output for each of its classes)")
        name = printable(column.name, 30)
        if len(labels) == 1:
            fail(f"{column} holds one label only ({quoted(labels[0])}), expected two classes or more")
        if len(labels) == 2:
            what = f"{name}: 1 for {quoted(labels[1])}, 0 for {quoted(labels[0])}"
            return column.codes.reshape(-1, 1).astype(float), "sigmoid", "bce", what
        what = f"{name}, one-hot: {len(labels)} classes ({_listed(labels)})"
        return np.eye(len(labels))[column.codes], "softmax", "ce", what
    Y = table.values[:, [c.number - 1 for c in targets]]
    names = _listed([c.name for c in targets])
    if np.isin(Y, (0.0, 1.0)).all():
        if len(targets) > 1 and (Y.sum(axis=1) == 1).all():
            return Y, "softmax", "ce", f"{names}: one-hot, a class each"
        return Y, "sigmoid", "bce", f"{names}: 0 or 1"
    Y, mean, deviation = _standardised(Y)
    scales = "; ".join(
        f"{printable(c.name, 30)}: mean {m:.6g}, standard deviation {d:.6g}"
        for c, m, d in zip(targets, mean, deviation)
    )
    return Y, "identity", "mse", f"{names}, standardised as the inputs are ({scales})"


def check_inputs(table: Table, inputs: list[Column], targets: list[Column]) -> None:
    """Raises CsvError when these columns cannot be inputs (beside these targets)."""
    if not inputs:
        raise CsvError(table.source, "expected at least one input")
    for column in inputs:
        if column in targets:
            message = f"{column} is chosen as a target, so it cannot be an input too"
        elif column.labels is not None:
            message = f"{column} holds labels ({_listed(column.labels, 3)}), expected numbers for an input"
        elif column.problem:
            message = f"{column} cannot be an input: {column.problem}"
        else:
            continue
        raise CsvError(table.source, message)


def propose(table: Table, inputs: list[Column], targets: list[Column]) -> Proposal:
    """The network for these columns of `table`. Raises CsvError, in one line, for a column that
    cannot be what it is chosen as, or a network past the limits."""

    def fail(message: str):
        raise CsvError(table.source, message)

    Y, last, loss, what_targets = targets_of(table, targets)
    check_inputs(table, inputs, targets)
    X, _, _ = _standardised(table.values[:, [c.number - 1 for c in inputs]])
    what_inputs = f"{_listed([c.name for c in inputs])}, standardised ({STANDARDISED})"
    if constant := [c.name for c, x in zip(inputs, X.T) if not x.any()]:
        what_inputs += f"; constant, so 0: {_listed(constant)}"
    outputs = Y.shape[1]
    hidden = min(max(8, 2 * outputs), 64)  # the iris and moons presets' 8, or two units an output
    sizes = [len(inputs), hidden, outputs]
    layers = (Layer(hidden, "tanh"), Layer(outputs, last))
    if sum(sizes[l] * sizes[l - 1] + sizes[l] for l in (1, 2)) > MAX_PARAMS:
        fail(f"{len(inputs):,} inputs make more than the limit of {MAX_PARAMS:,} parameters")
    most, why = sample_limit(sizes, layers[-1])
    if table.rows > most:
        fail(f"has {table.rows:,} rows, more than the limit of {most:,} samples{why}")
    csv = printable(Path(table.source).name, 60)
    stem = printable(Path(table.source).stem, 60)
    kind = {"bce": "a sigmoid output and binary cross-entropy", "ce": "a softmax output and cross-entropy"}
    description = (
        f"From {csv}, {table.rows:,} rows. Inputs: {what_inputs}. Targets: {what_targets}. "
        f"A {'-'.join(map(str, sizes))} tanh network with {kind.get(loss, 'an identity output and mean squared error')}"
    )
    network = Network(
        name=f"{stem} ({'-'.join(map(str, sizes))})",
        description=description,
        inputs=len(inputs),
        layers=layers,
        loss=loss,
        learning_rate=0.1 if loss == "mse" else 0.5,
        params=initial_params(sizes, [layer.activation for layer in layers], SEED),
        X=X,
        Y=Y,
        seed=SEED,
    )
    return Proposal(network, csv, what_inputs, what_targets)


# ---------------------------------------------------------------------------------------------
# Writing


def _number(x: float) -> str:
    """A value rounded to 4 decimals, as short as it reads back the same: -0.9007, 1, 0.5."""
    return f"{x:.4f}".rstrip("0").rstrip(".")


def data_path(proposal: Proposal, path: str | os.PathLike) -> Path | None:
    """Where write() puts the data: NAME.data.csv beside the network file; None when inline."""
    return None if proposal.inline else Path(path).with_name(f"{Path(path).stem}.data.csv")


def network_text(proposal: Proposal, data_file: str | None = None) -> str:
    """The network file: the data inline, or naming `data_file` (relative to it)."""
    net = proposal.network
    out = [
        f"name = {json.dumps(net.name, ensure_ascii=False)}",
        f"description = {json.dumps(net.description, ensure_ascii=False)}",
        f"inputs = {net.inputs}",
        f"loss = {json.dumps(net.loss)}",
        f"reduction = {json.dumps(net.reduction)}",
        f"learning_rate = {net.learning_rate!r}",
        f"seed = {net.seed}",
    ]
    for layer in net.layers:
        out += ["", "[[layers]]", f"units = {layer.units}", f"activation = {json.dumps(layer.activation)}"]
    out += ["", "[data]"]
    if data_file is not None:
        out.append(f"file = {json.dumps(data_file)}")  # ASCII: \u escapes for any control character
    else:
        for key, rows in (("X", net.X), ("Y", net.Y)):
            out.append(f"{key} = [\n" + "".join(f"  [{', '.join(map(_number, row))}],\n" for row in rows) + "]")
    return "\n".join(out) + "\n"


def write(proposal: Proposal, path: str | os.PathLike) -> Path | None:
    """Write the network file at `path` and, for data too large to go inline, NAME.data.csv beside
    it (first, so that the network file never names a missing one; removed again when it was new
    and the network file cannot be written). Both atomic (files.write_atomic). Returns the data
    file's path, or None. Raises OSError, naming the data file when it is that one."""
    data = data_path(proposal, path)
    if data is None:
        write_atomic(path, network_text(proposal))
        return None
    _naming(data, check_target, data)
    check_target(path)
    new = not data.exists()
    rows = np.hstack([proposal.network.X, proposal.network.Y])
    _naming(data, write_atomic_stream, data, lambda handle: np.savetxt(handle, rows, fmt="%.4f", delimiter=","))
    try:
        write_atomic(path, network_text(proposal, data.name))
    except BaseException:
        if new:
            data.unlink(missing_ok=True)
        raise
    return data
