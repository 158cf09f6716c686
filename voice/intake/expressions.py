"""A safe parser and evaluator for the XLSForm expression subset that surveys use.

Relevance, constraints and choice filters arrive from spreadsheets written by people we do
not know, so nothing here calls ``eval``: an expression is tokenised and parsed once into a
small tree (``parse``), then evaluated against the answers (``evaluate``).

The same language is implemented in ``voice/static/js/expressions.js`` for the browser and
the offline canvass app; ``tests/voice/intake/data/expression_vectors.json`` holds the
cases that both must agree on. Change both files together.

Supported::

    ${name}  .  'string'  "string"  12  3.5  attribute
    =  !=  <  <=  >  >=  and  or  +  -  *  div  mod  unary -  ( )
    not(x)  true()  false()  if(c, a, b)  selected(x, 'v')  count-selected(x)
    string-length(x)  regex(x, 'pattern')  today()  number(x)  string(x)
    concat(x, ...)  contains(x, y)  coalesce(x, y)
    pulldata('file', 'column', 'key_column', key)
    count(${x})  sum(${x})  position(..)  indexed-repeat(${x}, ${repeat}, n)

Inside a repeat, ``${x}`` is the answer of the same instance (or of an enclosing one);
outside it, the answers of every instance form a ``NodeSet`` that ``count()`` and ``sum()``
read (any other use reads its first answer, as XPath reads a node-set). ``${repeat}``
itself is the set of its instances, so ``count(${members})`` is their number, and
``position(..)`` is the 1-based number of the instance being evaluated, which the caller
passes in ``answers`` under ``POSITION``. ``indexed-repeat(${x}, ${repeat}, n)`` is x in
the n-th instance of its repeat (within the instance being evaluated, for a nested one):
the caller passes those answers in instance order under ``every_instance(name)``.

A bare ``attribute`` name is only meaningful in a choice filter, where it reads a column of
the choice being filtered (``${state} = cf``); ``attributes()`` lists them so that callers
can refuse them elsewhere.

``pulldata('fruits', 'name', 'key', ${fruit})`` reads ``fruits.csv``, a table attached to the
survey (``data``: file name -> rows): the ``name`` column of its first row whose ``key``
column is the key, as text; ``''`` when no row has it, as ODK.

Values follow XPath 1.0 coercion: unanswered questions are ``''``; ``=``/``!=`` compare as
booleans if either side is a boolean, as numbers if either side is a number or both
strings look like numbers, else as strings; ``< <= > >=`` compare ISO dates as strings and
everything else as numbers (``NaN`` never compares true). A multi-select answer may be a
list or a space-separated string.
"""

from __future__ import annotations

import datetime
import functools
import math
import operator
import re
from dataclasses import dataclass

__all__ = [
    "MAX_DEPTH",
    "MAX_EXPRESSION_LENGTH",
    "MAX_REGEX_INPUT_LENGTH",
    "MAX_REGEX_LENGTH",
    "MAX_TREE_HEIGHT",
    "POSITION",
    "QUESTION_NAME",
    "Attribute",
    "Binary",
    "Call",
    "Current",
    "Expr",
    "ExpressionError",
    "Literal",
    "NodeSet",
    "Ref",
    "Unary",
    "evaluate",
    "every_instance",
    "evaluate_bool",
    "attributes",
    "parse",
    "references",
    "to_boolean",
    "to_number",
    "to_string",
]

# Limits that keep a hostile spreadsheet from exhausting the stack or the CPU.
MAX_EXPRESSION_LENGTH = 2000
MAX_DEPTH = 40
# Bounds the recursion of evaluate(): a long chain such as a or b or c ... is one level
# of nesting for the parser but one level of tree per operator.
MAX_TREE_HEIGHT = 100
MAX_REGEX_LENGTH = 200
# Text longer than this never matches a regex(): even a pattern without nested repetition
# can be polynomial in the input length, and constraints are meant for short codes.
MAX_REGEX_INPUT_LENGTH = 1000

# Function name -> (minimum, maximum) number of arguments; None means unbounded.
FUNCTIONS = {
    "not": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "if": (3, 3),
    "selected": (2, 2),
    "count-selected": (1, 1),
    "string-length": (1, 1),
    "regex": (2, 2),
    "today": (0, 0),
    "number": (1, 1),
    "string": (1, 1),
    "concat": (1, None),
    "contains": (2, 2),
    "coalesce": (2, 2),
    "pulldata": (4, 4),
    "count": (1, 1),
    "sum": (1, 1),
    "position": (0, 0),  # written position(..): the parser takes the .. itself
    "indexed-repeat": (3, 3),  # one repeat and its index, as pyxform writes the common case
}
# count() and sum() read a node-set: their argument must name one.
_NODESET_FUNCTIONS = ("count", "sum")
# The key of ``answers`` that holds the position of the repeat instance being evaluated
# (not a question name, so it cannot clash with one).
POSITION = ".."


def every_instance(name: str) -> str:
    """The key of ``answers`` that holds x in every instance of its repeat, for indexed-repeat()."""
    return f"{name}/*"

_WS = " \t\r\n"
_NUMBER_TEXT = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SPLIT = re.compile(r"[ \t\r\n]+")

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<ref>\$\{(?P<refname>[^}]*)\})
  | (?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<op><=|>=|!=|\.\.|[=<>+\-*(),.])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*)
    """,
    re.VERBOSE,
)
QUESTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_KEYWORD_OPERATORS = {"and", "or", "div", "mod"}


class ExpressionError(ValueError):
    """An expression that cannot be parsed; ``position`` is a 0-based character offset."""

    def __init__(self, message: str, position: int, expression: str = ""):
        super().__init__(f"{message} (at character {position + 1})")
        self.message = message
        self.position = position
        self.expression = expression


# --- The tree -------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: str | float


class NodeSet(tuple):
    """The answers of a question in every repeat instance (or a repeat's instances)."""


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Attribute:
    """A bare name: a column of the choice under test in a choice filter."""

    name: str


@dataclass(frozen=True)
class Current:
    """``.``: the value of the question the expression belongs to."""


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Expr, ...]


Expr = Literal | Ref | Attribute | Current | Unary | Binary | Call


# --- Parsing --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # number | string | ref | op | name | end
    text: str
    position: int


def _tokenise(source: str) -> list[_Token]:
    tokens = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise ExpressionError(
                f"unexpected character {source[position]!r}", position, source
            )
        kind = match.lastgroup
        if kind == "refname":  # lastgroup reports the innermost group
            kind = "ref"
        if kind == "ref":
            name = match.group("refname").strip()
            if not QUESTION_NAME.fullmatch(name):
                raise ExpressionError(f"invalid question reference {match.group()!r}",
                                      position, source)
            tokens.append(_Token("ref", name, position))
        elif kind != "ws":
            tokens.append(_Token(kind, match.group(), position))
        position = match.end()
    tokens.append(_Token("end", "", len(source)))
    return tokens


class _Parser:
    """Recursive descent, one method per precedence level (lowest first)."""

    def __init__(self, source: str):
        self.source = source
        self.tokens = _tokenise(source)
        self.index = 0
        self.depth = 0
        self.heights: dict[int, int] = {}  # id(node) -> height, for MAX_TREE_HEIGHT

    def node(self, expr: Expr, *children: Expr) -> Expr:
        height = 1 + max((self.heights.get(id(child), 1) for child in children), default=0)
        if height > MAX_TREE_HEIGHT:
            raise self.error("expression is too complex")
        self.heights[id(expr)] = height
        return expr

    def error(self, message: str, token: _Token | None = None) -> ExpressionError:
        token = token or self.peek()
        return ExpressionError(message, token.position, self.source)

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def accept(self, *texts: str) -> _Token | None:
        token = self.peek()
        if token.kind in ("op", "name") and token.text in texts:
            return self.advance()
        return None

    def expect(self, text: str) -> _Token:
        token = self.accept(text)
        if token is None:
            found = self.peek().text or "end of expression"
            raise self.error(f"expected {text!r} but found {found!r}")
        return token

    def parse(self) -> Expr:
        expr = self.expression()
        if self.peek().kind != "end":
            raise self.error(f"unexpected {self.peek().text!r}")
        return expr

    def expression(self) -> Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error("expression is nested too deeply")
        expr = self.binary_level(0)
        self.depth -= 1
        return expr

    _LEVELS = (("or",), ("and",), ("=", "!="), ("<", "<=", ">", ">="), ("+", "-"),
               ("*", "div", "mod"))

    def binary_level(self, level: int) -> Expr:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary_level(level + 1)
        while (token := self.accept(*self._LEVELS[level])) is not None:
            right = self.binary_level(level + 1)
            left = self.node(Binary(token.text, left, right), left, right)
        return left

    def unary(self) -> Expr:
        if self.accept("-"):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error("expression is nested too deeply")
            operand = self.unary()
            self.depth -= 1
            return self.node(Unary("-", operand), operand)
        return self.primary()

    def primary(self) -> Expr:
        token = self.advance()
        if token.kind == "number":
            return Literal(float(token.text))
        if token.kind == "string":
            return Literal(token.text[1:-1])
        if token.kind == "ref":
            return Ref(token.text)
        if token.kind == "op" and token.text == ".":
            return Current()
        if token.kind == "op" and token.text == "(":
            expr = self.expression()
            self.expect(")")
            return expr
        if token.kind == "name" and token.text not in _KEYWORD_OPERATORS:
            if self.peek().kind == "op" and self.peek().text == "(":
                return self.call(token)
            return Attribute(token.text)
        if token.kind == "end":
            raise self.error("unexpected end of expression", token)
        raise self.error(f"unexpected {token.text!r}", token)

    def call(self, name: _Token) -> Call:
        if name.text not in FUNCTIONS:
            raise self.error(f"unknown function {name.text}()", name)
        self.advance()  # the "(" that primary() saw
        if name.text == "position":
            self.expect("..")  # the only node whose position an answer can ask for
            self.expect(")")
            return Call("position", ())
        args = []
        if not self.accept(")"):
            args.append(self.expression())
            while self.accept(","):
                args.append(self.expression())
            self.expect(")")
        low, high = FUNCTIONS[name.text]
        if len(args) < low or (high is not None and len(args) > high):
            raise self.error(f"wrong number of arguments to {name.text}()", name)
        if name.text == "indexed-repeat" and not (isinstance(args[0], Ref) and isinstance(args[1], Ref)):
            raise self.error("indexed-repeat() takes ${question}, ${repeat} and a number", name)
        if name.text in _NODESET_FUNCTIONS and not isinstance(args[0], Ref):
            raise self.error(f"{name.text}() counts the answers of a question: write ${{name}}", name)
        if name.text == "regex":
            pattern = args[1]
            if not isinstance(pattern, Literal) or not isinstance(pattern.value, str):
                raise self.error("the pattern of regex() must be a quoted string", name)
            try:
                _compile_regex(pattern.value)
            except ValueError as err:
                raise self.error(f"regex(): {err}", name) from None
        return self.node(Call(name.text, tuple(args)), *args)


def parse(source: str) -> Expr:
    """Parse an expression, raising ExpressionError with the position of the problem."""
    if not isinstance(source, str):
        raise ExpressionError("expression must be text", 0)
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"expression is longer than {MAX_EXPRESSION_LENGTH} characters",
            MAX_EXPRESSION_LENGTH, source)
    if not source.strip(_WS):
        raise ExpressionError("expression is empty", 0, source)
    return _Parser(source).parse()


def _names(expr: Expr, kind: type) -> set[str]:
    if isinstance(expr, kind):
        return {expr.name}
    if isinstance(expr, Unary):
        return _names(expr.operand, kind)
    if isinstance(expr, Binary):
        return _names(expr.left, kind) | _names(expr.right, kind)
    if isinstance(expr, Call):
        return set().union(*(_names(arg, kind) for arg in expr.args))
    return set()


def references(expr: Expr) -> set[str]:
    """The question names an expression reads through ``${name}``."""
    return _names(expr, Ref)


def attributes(expr: Expr) -> set[str]:
    """The choice columns an expression reads through bare names (choice filters)."""
    return _names(expr, Attribute)


# --- Regular expressions ----------------------------------------------------------------
#
# Patterns must mean the same in Python and in the browser, and must not be able to
# backtrack exponentially. We accept a common subset (literals, classes, groups,
# alternation, quantifiers, anchors, \d \w \s \b and escaped punctuation), refuse a
# repeated group that itself contains repetition (the classic ReDoS shape, as in
# ``(a+)+``), and translate ``$`` to ``\Z`` because Python's ``$`` also matches before a
# final newline while JavaScript's does not.

_SIMPLE_ESCAPES = set("dDwWsSbBtnr") | set(r"\.^$|?*+()[]{}/-'\"")
_QUANTIFIER = re.compile(r"[*+?]|\{[0-9]+(?:,[0-9]*)?\}")


@functools.lru_cache(maxsize=256)
def _compile_regex(pattern: str) -> re.Pattern:
    if len(pattern) > MAX_REGEX_LENGTH:
        raise ValueError(f"pattern is longer than {MAX_REGEX_LENGTH} characters")
    try:
        return re.compile(_SafePattern(pattern).translate(), re.ASCII)
    except re.error as err:
        raise ValueError(str(err)) from None


class _SafePattern:
    """One walk over a pattern: refuses what could backtrack for ever, translates ``$``."""

    def __init__(self, pattern: str):
        self.pattern = pattern
        self.out: list[str] = []
        self.groups: list[bool] = []  # one entry per open group: does it contain a quantifier?
        self.after_repeated_group = False

    def translate(self) -> str:
        i = 0
        while i < len(self.pattern):
            quantifier = _QUANTIFIER.match(self.pattern, i)
            i = self._quantifier(i, quantifier) if quantifier else self._atom(i)
        if self.groups:
            raise ValueError("unbalanced parenthesis")
        return "".join(self.out)

    def _keep(self, start: int, end: int) -> int:
        self.out.append(self.pattern[start:end])
        return end

    def _quantifier(self, i: int, quantifier: re.Match) -> int:
        if not self.out or self.out[-1] in ("(", "(?:", "|", "^"):
            raise ValueError("nothing to repeat")
        # An optional group cannot backtrack exponentially; a repeated one can.
        if self.after_repeated_group and quantifier.group() != "?":
            raise ValueError("nested repetition such as (a+)+ is not allowed")
        if self.groups:
            self.groups[-1] = True
        self.after_repeated_group = False
        end = quantifier.end()
        if end < len(self.pattern) and self.pattern[end] == "?":  # lazy quantifier
            end += 1
        return self._keep(i, end)

    def _atom(self, i: int) -> int:
        self.after_repeated_group = False
        char = self.pattern[i]
        if char == "\\":
            if i + 1 >= len(self.pattern) or self.pattern[i + 1] not in _SIMPLE_ESCAPES:
                raise ValueError("unsupported escape sequence")
            return self._keep(i, i + 2)
        if char == "[":
            return self._keep(i, _class_end(self.pattern, i))
        if char == "(":
            return self._open_group(i)
        if char == ")":
            return self._close_group(i)
        if char == "$":
            self.out.append(r"\Z")
            return i + 1
        if char in "{}]":
            raise ValueError(f"unescaped {char!r}")
        return self._keep(i, i + 1)

    def _open_group(self, i: int) -> int:
        if self.pattern.startswith("(?:", i):
            end = i + 3
        elif self.pattern.startswith("(?", i):
            raise ValueError("lookaround and named groups are not allowed")
        else:
            end = i + 1
        self.groups.append(False)
        return self._keep(i, end)

    def _close_group(self, i: int) -> int:
        if not self.groups:
            raise ValueError("unbalanced parenthesis")
        had_repetition = self.groups.pop()
        if self.groups and had_repetition:
            self.groups[-1] = True
        self.after_repeated_group = had_repetition
        return self._keep(i, i + 1)


def _class_end(pattern: str, start: int) -> int:
    """Index just after the character class opened at ``start``."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":  # a leading ] is literal
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            if i + 1 >= len(pattern) or pattern[i + 1] not in _SIMPLE_ESCAPES:
                raise ValueError("unsupported escape sequence")
            i += 2
        elif pattern[i] == "[":
            raise ValueError("nested '[' in a character class")
        elif pattern[i] == "]":
            return i + 1
        else:
            i += 1
    raise ValueError("unterminated character class")


# --- Coercion -------------------------------------------------------------------------


def _normalise(value):
    """Map an answer from the caller's dict onto the value domain used here."""
    if value is None:
        return ""
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list | tuple):
        return [to_string(_normalise(item)) for item in value]
    return str(value)


def to_boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value != 0 and not math.isnan(value)
    return len(value) > 0


def to_number(value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    text = to_string(value).strip(_WS)
    return float(text) if _NUMBER_TEXT.fullmatch(text) else math.nan


def to_string(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _number_to_string(value)
    if isinstance(value, list):
        return " ".join(value)
    return value


def _number_to_string(x: float) -> str:
    """Format like JavaScript's Number#toString so both evaluators print alike."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    if x < 0:
        return "-" + _number_to_string(-x)
    mantissa, _, exponent = repr(x).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    head = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{head}e{sign}{abs(e)}"


def _items(value) -> list[str]:
    """The chosen options of a multi-select answer."""
    if isinstance(value, list):
        return value
    return [item for item in _SPLIT.split(to_string(value)) if item]


def _looks_numeric(value) -> bool:
    return isinstance(value, str) and bool(_NUMBER_TEXT.fullmatch(value.strip(_WS)))


def _equals(left, right) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return to_boolean(left) == to_boolean(right)
    if (isinstance(left, float) or isinstance(right, float)
            or (_looks_numeric(left) and _looks_numeric(right))):
        return to_number(left) == to_number(right)
    return to_string(left) == to_string(right)


def _compare(op: str, left, right) -> bool:
    if (isinstance(left, str) and isinstance(right, str)
            and _ISO_DATE.fullmatch(left) and _ISO_DATE.fullmatch(right)):
        a, b = left, right
    else:
        a, b = to_number(left), to_number(right)
        if math.isnan(a) or math.isnan(b):
            return False
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _arithmetic(op: str, left: float, right: float) -> float:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if math.isnan(left) or math.isnan(right):
        return math.nan
    if op == "div":
        if right == 0:
            return math.nan if left == 0 else math.copysign(math.inf, left) * (
                math.copysign(1, right))
        return left / right
    # mod: the sign follows the dividend, as in XPath and JavaScript's %.
    if right == 0 or math.isinf(left):
        return math.nan
    if math.isinf(right):
        return left
    return math.fmod(left, right)


# --- Evaluation -----------------------------------------------------------------------


class _Evaluator:
    def __init__(self, answers: dict, current, today: str | None, choice: dict | None,
                 data: dict[str, list[dict[str, str]]] | None = None):
        self.answers = answers
        self.current = _normalise(current)
        self.today = today
        self.choice = choice or {}
        self.data = data or {}

    def value(self, expr: Expr):
        if isinstance(expr, Literal):
            return expr.value
        if isinstance(expr, Ref):
            value = self.answers.get(expr.name)
            if isinstance(value, NodeSet):  # read as XPath reads a node-set: its first node
                value = value[0] if value else None
            return _normalise(value)
        if isinstance(expr, Attribute):
            return _normalise(self.choice.get(expr.name))
        if isinstance(expr, Current):
            return self.current
        if isinstance(expr, Unary):
            return -to_number(self.value(expr.operand))
        if isinstance(expr, Binary):
            return self.binary(expr)
        return self.call(expr)

    def binary(self, expr: Binary):
        op = expr.op
        if op == "or":
            return to_boolean(self.value(expr.left)) or to_boolean(self.value(expr.right))
        if op == "and":
            return to_boolean(self.value(expr.left)) and to_boolean(self.value(expr.right))
        left, right = self.value(expr.left), self.value(expr.right)
        if op == "=":
            return _equals(left, right)
        if op == "!=":
            return not _equals(left, right)
        if op in ("<", "<=", ">", ">="):
            return _compare(op, left, right)
        return _arithmetic(op, to_number(left), to_number(right))

    def call(self, expr: Call):
        name, args = expr.name, expr.args
        if name == "if":
            chosen = args[1] if to_boolean(self.value(args[0])) else args[2]
            return self.value(chosen)
        if name == "true":
            return True
        if name == "false":
            return False
        if name == "today":
            return self.today or datetime.date.today().isoformat()
        if name == "position":
            return to_number(_normalise(self.answers.get(POSITION)))
        if name == "indexed-repeat":
            nodes = self.answers.get(every_instance(args[0].name)) or ()
            index = to_number(self.value(args[2]))
            return _normalise(nodes[int(index) - 1]) if index == index and 1 <= index <= len(nodes) else ""
        if name in _NODESET_FUNCTIONS:
            nodes = self.answers.get(args[0].name)
            if not isinstance(nodes, NodeSet):  # one question outside any repeat: one node
                nodes = NodeSet(() if nodes in (None, "", []) else (nodes,))
            if name == "count":
                return float(len(nodes))
            return functools.reduce(operator.add, (to_number(_normalise(node)) for node in nodes), 0.0)  # as JS adds
        values = [self.value(arg) for arg in args]
        if name == "not":
            return not to_boolean(values[0])
        if name == "selected":
            return to_string(values[1]).strip(_WS) in _items(values[0])
        if name == "count-selected":
            return float(len(_items(values[0])))
        if name == "string-length":
            return float(len(to_string(values[0])))
        if name == "regex":
            text = to_string(values[0])
            if len(text) > MAX_REGEX_INPUT_LENGTH:
                return False
            return _compile_regex(to_string(values[1])).search(text) is not None
        if name == "number":
            return to_number(values[0])
        if name == "string":
            return to_string(values[0])
        if name == "concat":
            return "".join(to_string(value) for value in values)
        if name == "contains":
            return to_string(values[1]) in to_string(values[0])
        if name == "pulldata":
            return self.pulldata(*(to_string(value) for value in values))
        # coalesce
        return values[0] if to_string(values[0]) else values[1]

    def pulldata(self, file: str, column: str, key_column: str, key: str) -> str:
        rows = self.data.get(f"{file}.csv", [])
        return next((row.get(column, "") for row in rows if row.get(key_column) == key), "")


def evaluate(expr: Expr, answers: dict, current=None, *, today: str | None = None,
             choice: dict | None = None, data: dict[str, list[dict[str, str]]] | None = None):
    """Evaluate a parsed expression.

    ``answers`` maps question names to values (str, number, bool, list for a multi-select,
    None when unanswered); ``current`` is the value of ``.``; ``today`` (ISO date) fixes
    ``today()`` for tests; ``choice`` holds the columns of the choice a choice filter is
    testing (``name`` and its filter attributes); ``data`` the tables ``pulldata()`` reads.
    Returns a bool, float, str or list of str.
    """
    return _Evaluator(answers, current, today, choice, data).value(expr)


def evaluate_bool(expr: Expr, answers: dict, current=None, *, today: str | None = None,
                  choice: dict | None = None, data: dict[str, list[dict[str, str]]] | None = None) -> bool:
    """Evaluate as relevance, constraint and choice filters do: as a boolean."""
    return to_boolean(evaluate(expr, answers, current, today=today, choice=choice, data=data))
