"""The `backprop-tui` command. `trace`, `train`, `check` and `presets` never import Textual, so
they start fast; only opening the app does (and `serve`, in the processes it starts)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from engine import __version__

COMMANDS = ("trace", "train", "check", "answer", "presets", "learn", "new", "serve")
PROG = "backprop-tui"
DIVERGED = 3  # exit status when the numbers stop being finite

EXAMPLES = """\
commands:
  presets                      list the presets with their descriptions
  learn                        the course: lessons with tasks, your progress kept (--list, --reset)
  trace NETWORK                every step of an iteration: formula, numbers, value
  train NETWORK                train on the fast path and print the final loss
  check NETWORK                compare every gradient with finite differences (--entries N: a sample)
  answer NETWORK Q EXPRESSION  judge an expression typed for quantity Q (--show Q: the closed form)
  new CSV                      propose a network for a CSV file with a header and write it
  serve [NETWORK]              the app in a browser (--port P; needs pip install '.[serve]')

examples:
  backprop-tui                             open the app on the xor preset
  backprop-tui two-outputs                 open a preset by name
  backprop-tui my-net.toml                 open a network file
  backprop-tui --resume                    reopen the last session where it was
  backprop-tui learn                       open the course's list of lessons
  backprop-tui trace xor --format markdown --output xor.md
  backprop-tui trace regression --sample 2 --iterations 3
  backprop-tui train xor --iterations 20000 --save xor-trained.toml
  backprop-tui check classification
  backprop-tui answer regression dL/dW3 "delta3.T @ A2"
  backprop-tui answer regression --show dL/dW2 --sample 0
  backprop-tui new iris.csv --targets species --output iris.toml
  backprop-tui serve xor --port 8000       then open http://127.0.0.1:8000 in a browser

NETWORK is a preset name (see `backprop-tui presets`) or the path of a network file.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own message, on one line, status 2 and a pointer to --help
        from engine.files import printable

        # what argparse quotes of a word is cut (a huge one would fill the terminal), escaped
        self.exit(2, f"{self.prog}: error: {printable(message, 300)} (see `{self.prog} --help`)\n")


def _whole(minimum: int, expected: str, maximum: int | None = None):
    """An argparse type: a whole number from minimum (to maximum), else `found …, expected <expected>`."""

    def parse(text: str) -> int:
        from engine.files import quoted

        try:
            value = int(text)
        except ValueError:  # also past Python's limit of 4,300 digits
            value = None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"found {quoted(text)}, expected {expected}")
        return value

    return parse


_positive = _whole(1, "a whole number >= 1")
_index = _whole(0, "a sample number counted from 0")
_port = _whole(1, "a port number from 1 to 65535", 65535)


def _file_name(text: str) -> str:
    """An argparse type: where a file goes; an empty one would write nothing (or the folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"found {text!r}, expected a file name")
    return text


def _app_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXAMPLES,
        description="Learn backpropagation by stepping it: one chain-rule factor per key press.",
        usage=f"{PROG} [NETWORK] | {PROG} {{{','.join(COMMANDS)}}} ...",
    )
    parser.add_argument(
        "network",
        nargs="?",
        default="xor",
        metavar="NETWORK",
        help="preset name or network file to open (default: xor)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="reopen the last session exactly where it was (network, parameters, step, mode); "
        "one that cannot be resumed is said in one line, and NETWORK opens fresh",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser


def _command_parser(command: str) -> argparse.ArgumentParser:
    parser = _Parser(prog=f"{PROG} {command}", formatter_class=argparse.RawDescriptionHelpFormatter)
    if command == "presets":
        parser.description = "List the presets shipped with backprop-tui."
        return parser
    if command == "learn":
        parser.description = (
            "Open the course: lessons through the XOR walk-through, the dynamic-programming view and the "
            "three-layer homework, each a short text and tasks done in the app and checked. Progress is kept "
            "in the session folder's course.json."
        )
        parser.add_argument("--list", action="store_true", help="print the lessons and your progress, one per line")
        parser.add_argument("--reset", action="store_true", help="forget your progress (asks first)")
        parser.add_argument("--yes", "-y", action="store_true", help="with --reset: do not ask")
        return parser
    if command == "new":
        import textwrap

        parser.description = textwrap.fill(
            "Propose a network for a CSV file whose first line names its columns, and write it as a network "
            "file. In a terminal it shows the columns and asks which are targets and inputs; --targets (and "
            "--inputs) ask nothing. Inputs are standardised; the targets decide the output and the loss: 0/1 "
            "or two labels, sigmoid and binary cross-entropy; one-hot columns or three labels or more, softmax "
            "and cross-entropy; other numbers, identity and mean squared error on standardised targets.",
            90,
        )
        parser.add_argument("csv", type=_file_name, metavar="CSV", help="a CSV file: a header line, then rows")
        parser.add_argument(
            "--targets",
            "-t",
            metavar="COLS",
            help="the columns to predict: names, or numbers counted from 1 (2-5 a range; a name that is a "
            "number names its column first), comma-separated",
        )
        parser.add_argument(
            "--inputs", "-i", metavar="COLS", help="the input columns, likewise (default: the other columns of numbers)"
        )
        parser.add_argument(
            "--output",
            "-o",
            type=_file_name,
            metavar="FILE",
            help="the network file to write (default: the CSV's name with .toml, in the current folder, "
            "never replacing one that is there)",
        )
        return parser
    if command == "serve":
        import textwrap

        from tui.serve import INSTALL

        parser.description = textwrap.fill(
            "Serve the app to a browser: each tab that opens the address gets the app on NETWORK of its own, "
            f"as `{PROG} NETWORK` opens it in a terminal. Runs until Ctrl+C. Needs textual-serve: {INSTALL}",
            90,
        )
        parser.add_argument(
            "network", nargs="?", default="xor", metavar="NETWORK", help="preset name or network file (default: xor)"
        )
        parser.add_argument("--port", "-p", type=_port, default=8000, metavar="P", help="the port (default 8000)")
        parser.add_argument(
            "--host",
            default="127.0.0.1",
            metavar="ADDRESS",
            help="the address to listen on (default 127.0.0.1: this computer only). This computer's address on "
            "a network (e.g. 192.168.1.20) exposes the app to every computer that reaches it",
        )
        return parser
    parser.add_argument("network", metavar="NETWORK", help="preset name or network file")
    if command == "trace":
        parser.description = "Print every step of the derivation: formula, the numbers put in, the value."
        parser.add_argument(
            "--iterations", "-n", type=_positive, default=1, metavar="N", help="how many iterations (default 1)"
        )
        parser.add_argument(
            "--format",
            "-f",
            choices=("text", "markdown", "json"),
            default="text",
            help="text (default), markdown (a worked solution) or json",
        )
        parser.add_argument(
            "--output",
            "-o",
            type=_file_name,
            metavar="FILE",
            help="write to FILE instead of the screen (-: the screen)",
        )
        parser.add_argument(
            "--sample",
            "-s",
            type=_index,
            metavar="I",
            help="walk sample I alone (counted from 0) instead of the whole batch; with mini-batches, "
            "row I of each (its last if it has fewer)",
        )
    elif command == "train":
        parser.description = "Train on the fast path; print the final loss."
        parser.add_argument(
            "--iterations", "-n", type=_positive, default=1000, metavar="N", help="how many iterations (default 1000)"
        )
        parser.add_argument("--save", type=_file_name, metavar="FILE", help="write the trained network to FILE")
    elif command == "check":
        import textwrap

        from engine.gradcheck import RULE

        parser.description = "\n\n".join(
            [
                "Compare every backprop gradient with a central finite difference; exit 0 when every entry "
                "passes, 1 otherwise. A check estimated over 3 minutes (two loss evaluations per entry), of "
                "every entry or of --entries N, is refused with the largest N that fits.",
                textwrap.fill(RULE, 90),
            ]
        )
        parser.add_argument(
            "--entries",
            "-e",
            type=_positive,
            metavar="N",
            help="check N entries of each parameter, always the largest gradient's, the others "
            "drawn with a fixed seed (default: every entry)",
        )
    elif command == "answer":
        parser.description = (
            "Judge an expression typed for a quantity of the first iteration: exit 0 and 'correct', "
            "exit 1 and a diagnosis when it is wrong, exit 2 for text that is no expression or an unknown name."
        )
        parser.epilog = ANSWER_SYNTAX
        parser.add_argument(
            "quantity", nargs="?", metavar="QUANTITY", help="L, dL/dW3, dL/db3, delta2, dL/da2, da2/dz2, z1, a1, …"
        )
        parser.add_argument(
            "expression", nargs="?", metavar="EXPRESSION", help="the expression (quote it for the shell)"
        )
        parser.add_argument(
            "--sample",
            "-s",
            type=_index,
            metavar="I",
            help="one sample (counted from 0; with mini-batches, row I of the first), in column vectors: x, y, z1, …",
        )
        parser.add_argument(
            "--show",
            metavar="QUANTITY",
            help="print the closed form of QUANTITY, in this syntax (copy it back to check)",
        )
        parser.add_argument(
            "--unsimplified",
            action="store_true",
            help="with --show: every factor as it comes, no textbook simplification",
        )
    return parser


ANSWER_SYNTAX = """\
syntax (README, "Typed answers"):
  names        X Y (batch: rows are samples) or x y (--sample: columns), m, W1 b1 z1 a1 delta1, …
  operators    + - * / element-wise (NumPy broadcasting), @ matrix product, .T transpose, unary -,
               ( ), (expr > 0) as 0/1, ** a number
  functions    every activation by its name (sigmoid relu leaky_relu tanh softmax), exp log,
               f'(z) of an element-wise one, sum(expr, 0) over the rows, sum(expr) of all
  also         what the app prints: ᵀ ⊙ · σ δ₂ 𝟙(z > 0) Σᵢ( ), juxtaposition as a product (W₁x)
"""


def _fail(message: str, status: int = 2) -> int:
    from engine.files import printable

    print(f"{PROG}: error: {printable(message)}", file=sys.stderr)  # a path may hold escape sequences
    return status


def _unicode_out() -> bool:
    """Whether standard output can encode the formulas' Unicode (not under LC_ALL=C, say)."""
    try:
        "∂δ₁ŷ−·⊙".encode(getattr(sys.stdout, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _write_output(path: str | None, text: str) -> int:
    from engine.files import shown, write_atomic

    if path is None:
        if not _unicode_out():
            from engine.notation import to_ascii

            text = to_ascii(text)
        sys.stdout.write(text)
        return 0
    try:
        write_atomic(path, text)
    except OSError as err:
        return _fail(f"cannot write {shown(path)}: {err.strerror or err}")
    print(f"wrote {shown(path)}", file=sys.stderr)
    return 0


def _write_streamed(path: str | None, write) -> int:
    """_write_output for text that write(out) produces piece by piece, streamed into the
    temporary file that replaces `path` once it is complete."""
    import io

    from engine.files import shown, write_atomic_stream

    if path is None:
        write(sys.stdout)
        return 0

    def fill(handle) -> None:
        out = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        write(out)
        out.flush()
        out.detach()  # the handle stays open for write_atomic_stream to sync and close

    try:
        write_atomic_stream(path, fill)
    except OSError as err:
        return _fail(f"cannot write {shown(path)}: {err.strerror or err}")
    print(f"wrote {shown(path)}", file=sys.stderr)
    return 0


class _Progress:
    """A one-line progress bar on stderr, drawn at most ten times a second."""

    def __init__(self, total: int, label: str):
        self.total, self.label = total, label
        self.last = 0.0

    def __call__(self, done: int, note: str = "") -> None:
        now = time.monotonic()
        if done < self.total and now - self.last < 0.1:
            return
        self.last = now
        width = 30
        filled = width * done // self.total
        bar = "█" * filled + "·" * (width - filled)
        sys.stderr.write(f"\r{self.label} {bar} {done:>{len(str(self.total))}}/{self.total} {note}\x1b[K")
        if done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _no_such_sample(sample: int, network) -> str:
    from engine.files import printable
    from engine.notation import counted

    m = network.samples
    numbered = "numbered 0" if m == 1 else f"numbered 0 to {m - 1}"
    return f"--sample {printable(str(sample), 40)}: the network has {counted(m, 'sample')}, {numbered}"


def cmd_presets(args) -> int:
    from engine import presets

    for name in presets.names():
        net = presets.resolve(name)
        print(f"{name:<16}{net.description}")
    return 0


def cmd_learn(args) -> int:
    from engine.course import LessonError, course
    from engine.files import printable
    from tui.course import Progress

    try:
        lessons = course()
    except LessonError as err:
        return _fail(str(err))
    progress, trouble = Progress.load()
    if args.reset:
        if not progress.path.exists() and trouble is None:
            print("No progress to forget.")
            return 0
        if not args.yes:
            if not sys.stdin.isatty():
                return _fail("learn --reset asks before it forgets your progress: run it in a terminal, or add --yes")
            done = sum(r.done for r in progress.records.values())
            try:
                answer = input(
                    f"Forget your progress ({done} of {len(lessons)} lessons done) in {progress.path}? [y/N] "
                )
            except EOFError:  # Ctrl+D: no
                answer = ""
            if answer.strip().lower() not in ("y", "yes"):
                print("Kept.")
                return 0
        try:
            progress.reset()
        except OSError as err:
            return _fail(f"cannot remove {progress.path}: {err.strerror or err}")
        print("Forgotten: the course starts over.")
        return 0
    if trouble:
        print(f"{PROG}: {trouble}", file=sys.stderr)
    if args.list:
        for lesson in lessons:
            status = progress.record(lesson.id).status(lesson)
            line = f"{lesson.number:2d}  {lesson.title} · {lesson.follows} · {lesson.minutes} min · {status}"
            print(printable(line))
        return 0
    return _open_app("xor", course=True)


def cmd_trace(args, network) -> int:
    from engine.export import FORMATS, run_trace, write_json

    if args.output == "-":  # as other commands read it: standard output, never a file named "-"
        args.output = None
    if args.sample is not None and args.sample >= network.samples:
        return _fail(_no_such_sample(args.sample, network))
    trace = run_trace(network, args.iterations, args.sample)
    if args.format == "json":  # millions of numbers: written as they are turned into text
        ascii_only = args.output is None and not _unicode_out()  # \u escapes: the same JSON in ASCII
        status = _write_streamed(args.output, lambda out: write_json(trace, out, ascii_only))
    else:
        status = _write_output(args.output, FORMATS[args.format](trace))
    if status == 0 and trace.nonfinite is not None:
        return _diverged(trace.nonfinite, "the trace stops after that iteration")
    return status


def _diverged(found, what_next: str) -> int:
    print(f"{PROG}: warning: the numbers diverged at {found.describe()} ({what_next})", file=sys.stderr)
    return DIVERGED


def cmd_train(args, network) -> int:
    from engine.files import shown
    from engine.network import check_save, save
    from engine.notation import counted, percent, significant
    from engine.training import accuracy, evaluate, train

    if args.save:  # a target that cannot be written is said before the training, not after
        try:
            check_save(network, args.save)
        except OSError as err:
            return _fail(f"cannot save {shown(args.save)}: {err.strerror or err}")
    callback = None
    if sys.stderr.isatty():
        bar = _Progress(args.iterations, "training")
        callback = lambda done, loss, *after: bar(done, f"loss {significant()(loss)}")  # noqa: E731
    result = train(network, args.iterations, on_iteration=callback)
    if result.diverged:
        from engine.divergence import locate

        found = locate(
            network,
            result.previous,
            result.params,
            network.X,
            network.Y,
            result.iterations,
            (result.previous_state, result.state),
        )
        print(f"training stopped after {counted(result.iterations, 'iteration')}: the loss is no longer finite")
        return _diverged(found, "nothing saved" if args.save else "stopped there")
    final = evaluate(network, result.params)
    fmt = significant()  # the export format: 6 significant digits
    if network.mini_batches:  # each iteration's loss is its mini-batch's: both on all rows
        before = evaluate(network, network.params)
        print(
            f"loss on all {network.samples:,} samples after {counted(result.iterations, 'iteration')}: "
            f"{fmt(final)} (before: {fmt(before)})"
        )
    else:
        print(f"loss after {counted(result.iterations, 'iteration')}: {fmt(final)} (before: {fmt(result.losses[0])})")
    right = accuracy(network, result.params)
    if right is not None:  # a classifier: how many samples it gets right now
        print(f"accuracy {percent(right)} ({round(right * network.samples):,} of {network.samples:,} samples)")
    if args.save:
        try:
            save(network.with_params(result.params, result.state), args.save)
        except (OSError, ValueError) as err:
            return _fail(f"cannot save {shown(args.save)}: {getattr(err, 'strerror', None) or err}")
        print(f"saved {shown(args.save)}", file=sys.stderr)
    return 0


def cmd_check(args, network) -> int:
    from engine import gradcheck
    from engine.notation import significant

    digits = significant(10)  # enough that two values which agree never look apart by rounding alone

    total = gradcheck.entry_count(network, args.entries)
    each = gradcheck.loss_seconds(network)
    estimate = 2 * total * each
    if estimate > gradcheck.FULL_CHECK_SECONDS:  # whether all entries or a sample: never runs for days
        took = f"about {gradcheck.duration(estimate)} (2 loss evaluations each)"
        fits = gradcheck.most_entries(network, gradcheck.FULL_CHECK_SECONDS, each)
        limit = gradcheck.duration(gradcheck.FULL_CHECK_SECONDS)
        advice = f"at most --entries {fits} fits in {limit}" if fits else f"not one entry of each fits in {limit}"
        if args.entries is None:
            return _fail(
                f"a full check of {total:,} entries would take {took}; check a sample with --entries N "
                f"(N entries of each parameter): {advice}"
            )
        if total == gradcheck.entry_count(network):  # an N that covers every entry asks for a full check
            return _fail(
                f"--entries N covers all {total:,} entries, a full check: {took}; choose a smaller N: {advice}"
            )
        return _fail(f"--entries {args.entries:,} checks {total:,} entries: {took}; {advice}")
    if estimate > 10:
        print(
            f"checking {total:,} entries (2 loss evaluations of {each * 1000:.3g} ms each): about "
            f"{gradcheck.duration(estimate)}",
            file=sys.stderr,
        )
    progress = _Progress(total, "checking") if sys.stderr.isatty() and total > 2000 else None
    results = gradcheck.check(network, on_progress=progress, entries=args.entries)
    if network.mini_batches:  # what the first iteration walks, as trace and answer
        from engine.optimizers import network_state
        from engine.training import batch_rows

        rows = batch_rows(network.samples, network.batch_size, network_state(network).t)
        print(f"the loss of the first iteration's mini-batch: rows {rows.start}–{rows.stop - 1}", file=sys.stderr)
    print(f"{'parameter':<10} {'largest relative error':>22}  {'at':<10} {'backprop':>17} {'numeric':>17}")
    for r in results:
        at = "[" + ", ".join(str(i) for i in r.worst_index) + "]"
        print(
            f"{r.name:<10} {r.worst_error:>22.3e}  {at:<10} {digits(r.backprop):>17} "
            f"{digits(r.numeric):>17}  {'ok' if r.ok else 'FAIL'}"
        )
    every = args.entries is None or total == gradcheck.entry_count(network)
    sample = "" if every else f" ({args.entries:,} entries of each, the largest gradient's among them)"
    failed = [r.name for r in results if not r.ok]
    if failed:
        print(
            f"{len(failed)} of {len(results)} parameters have an error of {gradcheck.TOLERANCE:g} or more "
            f"(see --help): {', '.join(failed)}{sample}"
        )
        return 1
    print(f"all {len(results)} parameters agree within {gradcheck.TOLERANCE:g}{sample}")
    return 0


def cmd_answer(args, network) -> int:
    from engine.answer import AnswerError, Judge, quantity_named

    if args.sample is not None and args.sample >= network.samples:
        return _fail(_no_such_sample(args.sample, network))
    try:
        if args.show is not None:
            if args.quantity is not None:
                return _fail("--show QUANTITY takes no other QUANTITY or EXPRESSION")
            quantity = quantity_named(args.show, network)
            form = Judge(network, args.sample, draws=0).closed_form(quantity, simplified=not args.unsimplified)
            if form is None:
                return _fail(f"{quantity.id} has no closed form here (a softmax's Jacobian per sample)")
            print(form)
            return 0
        if args.quantity is None or args.expression is None:
            return _fail("give QUANTITY and EXPRESSION, or --show QUANTITY")
        quantity = quantity_named(args.quantity, network)
        verdict = Judge(network, args.sample).judge(quantity, args.expression)
    except AnswerError as err:
        return _fail(str(err))
    text = verdict.message if verdict.correct else f"wrong: {verdict.message}"
    if not _unicode_out():
        from engine.notation import to_ascii

        text = to_ascii(text)
    print(text)
    return 0 if verdict.correct else 1


def _say(text: str = "") -> None:
    """A line of `new` on standard output; ASCII names where it cannot encode Unicode."""
    if not _unicode_out():
        from engine.notation import to_ascii

        text = to_ascii(text)
    print(text)


def _ranges(numbers: list[int]) -> str:
    """1, 2, 3, 5 → 1-3, 5."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _ask(question: str, table, default: str, check):
    """Ask until the answer names columns that pass check(columns) (a CsvError says why not, in
    one line, and asks again); Enter takes `default`. EOFError (Ctrl+D) is the caller's."""
    from engine.proposal import CsvError

    while True:
        answer = input(question if _unicode_out() else question.encode("ascii", "replace").decode())
        try:
            columns = table.chosen(answer if answer.strip() else default)
            check(columns)
            return columns
        except CsvError as err:
            _say(f"  {err.message}")


def _list_columns(table) -> None:
    """The columns numbered, each with what it holds (of many, the first 20 and the last 5)."""
    from engine.files import printable

    _say(f"{printable(table.source, 100)}: {table.rows:,} rows, {len(table.columns):,} columns")
    columns = table.columns
    shown = columns if len(columns) <= 30 else columns[:20] + columns[-5:]
    digits, width = len(str(len(columns))), max(len(printable(c.name, 30)) for c in shown)
    for column in shown:
        if len(columns) > 30 and column is columns[-5]:
            _say(f"  {'…':>{digits}}  {len(columns) - 25:,} more columns")
        _say(f"  {column.number:>{digits}}  {printable(column.name, 30):<{width}}  {table.describe(column)}")


def cmd_new(args) -> int:
    import shlex
    from pathlib import Path

    from engine.files import check_target, printable, shown
    from engine.proposal import CsvError, check_inputs, data_path, propose, read_table, targets_of, write

    if args.output == "-":  # elsewhere the screen; a network file is written, never printed
        return _fail("new writes a network file: give --output a file name, not -")
    asking = args.targets is None
    if asking and not sys.stdin.isatty():
        return _fail("new asks which columns are targets and inputs: run it in a terminal, or give --targets")
    output = args.output or f"{Path(args.csv).stem or 'network'}.toml"

    def refused(path, data: bool = False) -> str | None:
        """Why `path` may not be written: an existing file not named with --output (the data file
        beside it never is), or the CSV."""
        try:
            if Path(path).exists() and Path(path).samefile(args.csv):
                return f"cannot write {shown(path)}: it is the CSV file read"
            if data and os.path.lexists(path):
                return (
                    f"{shown(path)} exists (the data of {shown(output)} would go there): "
                    "remove it, or choose another --output"
                )
            if args.output is None and os.path.lexists(path):
                return f"{shown(path)} exists: name it with --output to replace it, or choose another name"
            check_target(path)
        except OSError as err:
            return f"cannot write {shown(path)}: {err.strerror or err}"
        return None

    try:
        table = read_table(args.csv)
        if asking:
            if why := refused(output):  # before any question: no answer is thrown away
                return _fail(why)
            _list_columns(table)
            last = table.columns[-1]
            targets = _ask(
                f"Targets, the columns to predict (names or numbers, comma-separated; Enter: {last.number}): ",
                table,
                str(last.number),
                lambda columns: targets_of(table, columns),
            )
        else:
            targets = table.chosen(args.targets)
        if args.inputs is not None:
            inputs = table.chosen(args.inputs)
        elif asking:
            others = table.numbers_besides(targets)
            inputs = _ask(
                f"Inputs (Enter: {_ranges([c.number for c in others]) or 'none'}, the other columns of numbers): ",
                table,
                ",".join(str(c.number) for c in others),
                lambda columns: check_inputs(table, columns, targets),
            )
        else:
            inputs = table.numbers_besides(targets)
        proposal = propose(table, inputs, targets)
    except CsvError as err:
        return _fail(str(err))
    except EOFError:  # Ctrl+D at a question
        print(f"\n{PROG}: nothing written", file=sys.stderr)
        return 1
    data = data_path(proposal, output)
    if why := refused(output) or (data and refused(data, data=True)):
        return _fail(why)
    try:
        write(proposal, output)
    except OSError as err:
        return _fail(f"cannot write {shown(output)}: {err.strerror or err}")
    for line in proposal.summary():
        _say(line)
    if left_out := [c for c in table.columns if c not in inputs + targets]:
        more = f" and {len(left_out) - 3:,} more" if len(left_out) > 3 else ""
        _say(f"left out {', '.join(map(str, left_out[:3]))}{more}")
    _say(f"wrote {shown(output)}" + (f" and the data beside it, {shown(data)}" if data else ""))
    _say(f"open it with: {PROG} {printable(shlex.quote(output))}")
    return 0


def cmd_serve(args) -> int:
    from tui.serve import ServeError, serve

    try:
        serve(args.network, args.host, args.port)
    except ServeError as err:
        return _fail(str(err))
    return 0


def _expression_last(argv: list[str]) -> list[str]:
    """answer's arguments with the positional ones after `--`: an expression may start with a
    minus (-Y/A3 + …), which argparse would take for an option."""
    options, positional = [], []
    words = iter(argv)
    for word in words:
        if word in ("--sample", "-s", "--show"):
            options += [word, next(words, "")]
        elif word in ("-h", "--help", "--unsimplified") or word.startswith(("--sample=", "--show=")):
            options.append(word)
        elif word != "--":
            positional.append(word)
    return [*options, "--", *positional]


def _open_app(network=None, place=None, notice: str | None = None, course: bool = False) -> int:
    from tui.app import BackpropApp

    app = BackpropApp(network=network, place=place, remember=True, notice=notice, course=course)
    app.run()
    return app.return_code or 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in COMMANDS else None
    parser = _command_parser(command) if command else _app_parser()
    rest = argv[1:] if command else argv
    if command == "answer":
        rest = _expression_last(rest)
    args = parser.parse_args(rest)
    try:  # Ctrl+C anywhere from here on, reading a file included: one line, status 130
        if command == "presets":
            return cmd_presets(args)
        if command == "learn":
            return cmd_learn(args)
        if command == "new":
            return cmd_new(args)
        notice = None
        if command is None and args.resume:
            from tui.session import SessionError, load_place

            try:
                place = load_place()
            except SessionError as err:  # said in one line; the network opens fresh
                notice = f"cannot resume: {err}; opening {args.network} fresh"
                print(f"{PROG}: {notice}", file=sys.stderr)
            else:
                return _open_app(place=place)

        from engine.network import NetworkError
        from engine.presets import resolve

        try:
            network = resolve(args.network)
        except NetworkError as err:
            return _fail(str(err))
        if command == "trace":
            return cmd_trace(args, network)
        if command == "train":
            return cmd_train(args, network)
        if command == "check":
            return cmd_check(args, network)
        if command == "answer":
            return cmd_answer(args, network)
        if command == "serve":
            return cmd_serve(args)
        return _open_app(network, notice=notice)
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `| head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


class _Terminated(Exception):
    """SIGTERM or SIGHUP outside the app (which handles its own): unwound like Ctrl+C, so that a
    file being written is removed, never left half-written."""


def _terminate(signum, frame):
    raise _Terminated(signum)


def entry() -> None:
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _terminate)
    try:
        code = main()
    except _Terminated as stop:
        signum = stop.args[0]
        print(f"\n{PROG}: stopped by {signal.Signals(signum).name}", file=sys.stderr)
        code = 128 + signum
    sys.exit(code)
