"""The mutation operators: a walk over one module's tree listing every candidate mutation.

What is never mutated: docstrings, logging calls, ``__repr__``, type annotations, code
under ``if TYPE_CHECKING``, f-strings, and statements outside functions (removing one only
breaks the import). Removing a first assignment to a local is skipped too: it can only
raise ``NameError``, which every test that runs the line reports.
"""

from __future__ import annotations

import ast
import copy
from typing import Any

from .mutants import Candidate, Text

COMPARE_SWAPS: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}

LOGGER_NAMES = frozenset({"logger", "log", "logging", "LOGGER"})
SKIPPED_FUNCTIONS = frozenset({"__repr__"})
# Never walked: types are not behaviour.
SKIPPED_FIELDS = frozenset({"annotation", "returns", "type_comment"})


def _is_logging_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in LOGGER_NAMES
    )


def _is_type_checking(test: ast.AST) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_docstring(stmt: ast.AST) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _changed_number(value: int | float) -> int | float:
    if value == 0:
        return type(value)(1)
    if value == 1:
        return type(value)(0)
    return value + 1


def _changed_default(value: Any) -> Any:
    """A different default of the same kind, or ``...`` when there is none worth trying."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return _changed_number(value)
    if isinstance(value, str):
        return "" if value else "mutant"
    return ...


def _negated(test: ast.expr) -> ast.expr:
    return ast.UnaryOp(op=ast.Not(), operand=test)


class Collector:
    """Walks one module's tree and lists every candidate mutation in source order."""

    def __init__(self, module: str, source: str):
        self.module = module
        self.text = Text(source)
        self.tree = ast.parse(source)
        self.found: list[Candidate] = []
        self._first_bindings: set[int] = set()
        self._parents = {
            id(child): parent
            for parent in ast.walk(self.tree)
            for child in ast.iter_child_nodes(parent)
        }

    def collect(self) -> list[Candidate]:
        self._body(self.tree, "body", "<module>", in_function=False)
        counts: dict[tuple, int] = {}
        for cand in self.found:
            ident = (cand.qualname, cand.operator, cand.original, cand.mutated)
            counts[ident] = counts.get(ident, 0) + 1
            cand.occurrence = counts[ident]
        return self.found

    # -- walking -------------------------------------------------------------------------

    def _body(self, parent: ast.AST, name: str, qual: str, in_function: bool) -> None:
        for index, stmt in enumerate(getattr(parent, name)):
            self._stmt(stmt, parent, name, index, qual, in_function)

    def _stmt(self, stmt, parent, name, index, qual, in_function) -> None:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            self._function(stmt, qual)
            return
        if isinstance(stmt, ast.ClassDef):
            inner = _qualify(qual, stmt.name)
            for node in (*stmt.decorator_list, *stmt.bases, *stmt.keywords):
                self._expr(node, inner)
            self._body(stmt, "body", inner, in_function)
            return
        if isinstance(stmt, ast.If) and _is_type_checking(stmt.test):
            self._body(stmt, "orelse", qual, in_function)
            return
        if isinstance(stmt, ast.Expr) and (
            _is_docstring(stmt) or _is_logging_call(stmt.value) or _is_ellipsis(stmt.value)
        ):
            return
        if in_function and self._removable(stmt, self._first_bindings):
            self._add(qual, "remove", stmt, parent, name, index, ast.Pass(), text="pass")
        if isinstance(stmt, ast.If | ast.While):
            self._condition(stmt, "test", None, qual)
        if not in_function:
            qual = _qualify(qual, _assigned_name(stmt))
        self._children(stmt, qual, in_function)

    def _function(self, func, qual: str) -> None:
        inner = _qualify(qual, func.name)
        for node in func.decorator_list:
            self._expr(node, inner)
        if func.name in SKIPPED_FUNCTIONS:
            return
        self._defaults(func, inner)
        body = func.body
        first = 1 if body and _is_docstring(body[0]) else 0
        rest = body[first:]
        trivial = all(
            isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and _is_ellipsis(s.value))
            for s in rest
        )
        if rest and not trivial:
            stmt = rest[0]
            start = self.text.offset(stmt.lineno, stmt.col_offset)
            indent = " " * stmt.col_offset
            new_body = [*body[:first], ast.Return(value=ast.Constant(None)), *rest]
            self.found.append(
                Candidate(
                    self.module,
                    inner,
                    "return_none",
                    stmt.lineno,
                    f"def {func.name}",
                    "return None",
                    func,
                    "body",
                    None,
                    new_body,
                    [(start, start, f"return None\n{indent}")],
                )
            )
        outer, self._first_bindings = self._first_bindings, _first_bindings(func)
        self._body(func, "body", inner, in_function=True)
        self._first_bindings = outer

    def _defaults(self, func, qual: str) -> None:
        args = func.args
        positional = [*args.posonlyargs, *args.args]
        with_default = positional[len(positional) - len(args.defaults) :]
        pairs = [
            (a, d, "defaults", i)
            for i, (a, d) in enumerate(zip(with_default, args.defaults, strict=True))
        ]
        pairs += [
            (a, d, "kw_defaults", i)
            for i, (a, d) in enumerate(zip(args.kwonlyargs, args.kw_defaults, strict=True))
            if d is not None
        ]
        for arg, default, name, index in pairs:
            if not isinstance(default, ast.Constant):
                continue
            value = _changed_default(default.value)
            if value is ...:
                continue
            new = ast.Constant(value)
            start, end = self.text.span(default)
            self.found.append(
                Candidate(
                    self.module,
                    qual,
                    "default",
                    default.lineno,
                    f"{arg.arg}={ast.unparse(default)}",
                    f"{arg.arg}={ast.unparse(new)}",
                    args,
                    name,
                    index,
                    new,
                    [(start, end, ast.unparse(new))],
                )
            )

    def _children(self, node: ast.AST, qual: str, in_function: bool) -> None:
        for name, value in ast.iter_fields(node):
            if name in SKIPPED_FIELDS:
                continue
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                self._body(node, name, qual, in_function)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self._expr(item, qual, in_function)
            elif isinstance(value, ast.AST):
                self._expr(value, qual, in_function)

    def _expr(self, node: ast.AST, qual: str, in_function: bool = False) -> None:
        # In 3.11 the parts of an f-string carry no reliable positions to splice at.
        if isinstance(node, ast.JoinedStr) or _is_logging_call(node):
            return
        if isinstance(node, ast.Lambda):
            self._children(node.body, qual, in_function)
            return
        self._mutations(node, qual)
        self._children(node, qual, in_function)

    # -- operators -----------------------------------------------------------------------

    def _mutations(self, node: ast.AST, qual: str) -> None:
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                swap = COMPARE_SWAPS.get(type(op))
                if swap is not None:
                    new = copy.copy(node)
                    new.ops = [*node.ops[:i], swap(), *node.ops[i + 1 :]]
                    self._replace(qual, "compare", node, new)
        elif isinstance(node, ast.BoolOp):
            new = copy.copy(node)
            new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            self._replace(qual, "boolop", node, new)
            for i in range(len(node.values)):
                self._condition(node, "values", i, qual)
        elif isinstance(node, ast.IfExp):
            self._condition(node, "test", None, qual)
        elif isinstance(node, ast.comprehension):
            for i in range(len(node.ifs)):
                self._condition(node, "ifs", i, qual)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self._replace(qual, "negate", node, node.operand)
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            self._replace(qual, "bool", node, ast.Constant(not node.value))
        elif isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            self._replace(qual, "number", node, ast.Constant(_changed_number(node.value)))

    def _condition(self, parent: ast.AST, name: str, index: int | None, qual: str) -> None:
        test = getattr(parent, name) if index is None else getattr(parent, name)[index]
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return  # dropping the ``not`` is the generic negation of that node
        if isinstance(test, ast.Constant):
            return  # ``while True``: the ``bool`` operator flips it already
        new = _negated(test)
        self._add(qual, "negate", test, parent, name, index, new, text=ast.unparse(new))

    def _replace(self, qual: str, operator: str, node: ast.AST, new: ast.AST) -> None:
        parent, name, index = self._locate(node)
        self._add(qual, operator, node, parent, name, index, new, text=ast.unparse(new))

    def _add(self, qual, operator, node, parent, name, index, new, text) -> None:
        start, end = self.text.span(node)
        edits = [(start, end, text)]
        if isinstance(node, ast.expr):
            edits.append((start, end, f"({text})"))
        self.found.append(
            Candidate(
                self.module,
                qual,
                operator,
                node.lineno,
                ast.unparse(node),
                ast.unparse(new),
                parent,
                name,
                index,
                new,
                edits,
            )
        )

    def _locate(self, node: ast.AST) -> tuple[ast.AST, str, int | None]:
        parent = self._parents[id(node)]
        for name, value in ast.iter_fields(parent):
            if value is node:
                return parent, name, None
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is node:
                        return parent, name, i
        raise LookupError(node)

    @staticmethod
    def _removable(stmt: ast.stmt, first_bindings: set[int]) -> bool:
        """Not a first assignment to a local: removing one only raises ``NameError``."""
        if isinstance(stmt, ast.Expr | ast.AugAssign):
            return True
        if isinstance(stmt, ast.AnnAssign):
            targets = [stmt.target] if stmt.value is not None else []
        elif isinstance(stmt, ast.Assign):
            targets = stmt.targets
        else:
            return False
        names = [n for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        plain = all(isinstance(t, ast.Name | ast.Tuple | ast.List | ast.Starred) for t in targets)
        return bool(targets) and not (plain and all(id(n) in first_bindings for n in names))


def _qualify(qual: str, name: str | None) -> str:
    if name is None:
        return qual
    return name if qual == "<module>" else f"{qual}.{name}"


def _assigned_name(stmt: ast.stmt) -> str | None:
    """The name a top-level or class-level assignment binds: it places that code's mutants
    by the constant they change, which no edit elsewhere in the file moves."""
    if isinstance(stmt, ast.Assign):
        target = stmt.targets[0]
    elif isinstance(stmt, ast.AnnAssign | ast.AugAssign):
        target = stmt.target
    else:
        return None
    return target.id if isinstance(target, ast.Name) else None


def _first_bindings(func: ast.FunctionDef | ast.AsyncFunctionDef) -> set[int]:
    """The ``Name`` nodes that first bind each local of ``func``, in source order."""
    seen = {a.arg for a in ast.walk(func.args) if isinstance(a, ast.arg)}
    stores = sorted(
        (
            n
            for stmt in func.body
            for n in ast.walk(stmt)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
        ),
        key=lambda n: (n.lineno, n.col_offset),
    )
    first = set()
    for name in stores:
        if name.id not in seen:
            seen.add(name.id)
            first.add(id(name))
    return first


def _is_ellipsis(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is ...
