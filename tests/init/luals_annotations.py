"""A small reader and checker of lua-language-server (LuaLS, "sumneko") annotation files.

The language server itself cannot be installed on these machines (not in Debian, PyPI or npm
as a package that ships it), so the tests check `lua_runtime/annotations/*.lua` with this instead:

- `read_annotations(files)` reads every `---@` tag and the code line each doc block annotates
  (`function a.b(x, y) end`, `function A:m(x) end`, `name = ...`, `local Name = {}`) into an
  `Annotations`: classes (with fields and parents), aliases, enums, functions (their parameters
  and tags), global names and dotted paths assigned.
- `check(annotations)` returns one line per problem: a file that is not `---@meta`, an unknown
  tag, a malformed tag, a type that does not parse, a type naming a class that no file defines,
  a `---@param` that names no parameter of the function below it (or a parameter without one,
  or out of order), a `---@field` outside a class block, a class defined twice.

Types are parsed by a recursive-descent parser of the LuaLS type language as far as these files
use it: names (dotted), unions `a|b`, optional `a?`, arrays `a[]`, `table<K, V>`, `fun(p: T, q?:
U, ...: any): R1, R2`, table literals `{name: T, [K]: V}`, string and integer literals, `(T)`.
Whatever follows a complete type on the tag line is its name or description.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

BUILTIN_TYPES = frozenset(
    "nil any boolean string number integer function table thread userdata lightuserdata "
    "unknown self true false".split()
)
KNOWN_TAGS = frozenset(
    "meta class field param return alias type generic enum overload deprecated nodiscard see "
    "async".split()
)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FUNCTION = re.compile(
    r"^function\s+([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)(?::([A-Za-z_]\w*))?\s*\(([^)]*)\)\s*end\s*$"
)
_ASSIGN = re.compile(r"^(local\s+)?([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*=\s*(.*)$")


class TypeSyntaxError(ValueError):
    pass


class _TypeParser:
    """Parses one type at the start of `text`; `names` collects the type names it references."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.names: set[str] = set()

    def error(self, what: str) -> TypeSyntaxError:
        return TypeSyntaxError(f"{what} at column {self.pos + 1} of {self.text!r}")

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    def peek(self, token: str) -> bool:
        return self.text.startswith(token, self.pos)

    def expect(self, token: str) -> None:
        self.skip()
        if not self.peek(token):
            raise self.error(f"expected {token!r}")
        self.pos += len(token)

    def type(self) -> None:
        self.unary()
        while True:
            save = self.pos
            self.skip()
            if self.peek("|"):
                self.pos += 1
                self.skip()
                self.unary()
            else:
                self.pos = save
                return

    def unary(self) -> None:
        self.primary()
        while True:
            if self.peek("[]"):
                self.pos += 2
            elif self.peek("?"):
                self.pos += 1
            else:
                return

    def primary(self) -> None:
        self.skip()
        text, pos = self.text, self.pos
        if pos >= len(text):
            raise self.error("expected a type")
        c = text[pos]
        if c in "\"'":
            end = text.find(c, pos + 1)
            if end < 0:
                raise self.error("unterminated string literal")
            self.pos = end + 1
        elif c.isdigit() or (c == "-" and text[pos + 1 : pos + 2].isdigit()):
            match = re.compile(r"-?\d+").match(text, pos)
            assert match is not None
            self.pos = match.end()
        elif c == "(":
            self.pos += 1
            self.type()
            self.expect(")")
        elif c == "{":
            self.table_literal()
        elif text.startswith("fun(", pos):
            self.function()
        else:
            match = _NAME.match(text, pos)
            if match is None:
                raise self.error("expected a type")
            self.pos = match.end()
            name = match.group()
            if name in ("table", "fun") and self.peek("<"):
                self.pos += 1
                self.type_list(">")
            self.names.add(name)

    def type_list(self, close: str) -> None:
        while True:
            self.type()
            self.skip()
            if self.peek(","):
                self.pos += 1
                continue
            self.expect(close)
            return

    def table_literal(self) -> None:
        self.expect("{")
        self.skip()
        if self.peek("}"):
            self.pos += 1
            return
        while True:
            self.skip()
            if self.peek("["):
                self.pos += 1
                self.type()
                self.expect("]")
            else:
                match = _IDENT.match(self.text, self.pos)
                if match is None:
                    raise self.error("expected a field name")
                self.pos = match.end()
                if self.peek("?"):
                    self.pos += 1
            self.expect(":")
            self.type()
            self.skip()
            if self.peek(","):
                self.pos += 1
                continue
            self.expect("}")
            return

    def function(self) -> None:
        self.pos += len("fun(")
        self.skip()
        if not self.peek(")"):
            while True:
                self.skip()
                if self.peek("..."):
                    self.pos += 3
                else:
                    match = _IDENT.match(self.text, self.pos)
                    if match is None:
                        raise self.error("expected a parameter name")
                    self.pos = match.end()
                    if self.peek("?"):
                        self.pos += 1
                self.skip()
                if self.peek(":"):
                    self.pos += 1
                    self.type()
                self.skip()
                if self.peek(","):
                    self.pos += 1
                    continue
                break
        self.expect(")")
        save = self.pos
        self.skip()
        if self.peek(":"):
            self.pos += 1
            self.type()
            while True:  # more return types: `fun(): a, b`
                save2 = self.pos
                self.skip()
                if self.peek(","):
                    self.pos += 1
                    self.type()
                else:
                    self.pos = save2
                    break
        else:
            self.pos = save


def parse_type(text: str) -> tuple[set[str], str]:
    """The names a type at the start of `text` references, and the rest of the text (name,
    description). Raises TypeSyntaxError."""
    parser = _TypeParser(text)
    parser.type()
    rest = text[parser.pos :]
    if rest and not rest[0].isspace():
        raise parser.error("unexpected text after the type")
    return parser.names, rest.strip()


@dataclass
class Tag:
    name: str
    text: str
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class ClassDecl:
    name: str
    parents: list[str]
    fields: dict[str, str] = field(default_factory=dict)  # field name -> type text
    where: str = ""


@dataclass
class FunctionDecl:
    path: str  # "fibaro.call", "QuickAppBase:debug", "HTTPClient:request"
    params: list[str]  # as written (without the implicit self of a method)
    tags: list[Tag]
    where: str

    @property
    def is_method(self) -> bool:
        return ":" in self.path


@dataclass
class Annotations:
    classes: dict[str, ClassDecl] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    enums: set[str] = field(default_factory=set)
    functions: dict[str, FunctionDecl] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)  # global names assigned or defined
    paths: set[str] = field(default_factory=set)  # dotted paths assigned (a.b = ...)
    bindings: dict[str, str] = field(default_factory=dict)  # variable -> its ---@class
    problems: list[str] = field(default_factory=list)
    # (tag, names referenced, generics in scope) for the reference check
    references: list[tuple[Tag, set[str], set[str]]] = field(default_factory=list)

    def class_members(self, class_name: str) -> set[str]:
        """Fields and methods of a class and of its ancestors."""
        members: set[str] = set()
        seen: set[str] = set()
        todo = [class_name]
        while todo:
            name = todo.pop()
            if name in seen or name not in self.classes:
                continue
            seen.add(name)
            decl = self.classes[name]
            members |= set(decl.fields)
            todo.extend(decl.parents)
            for path in self.functions:
                owner, _, member = path.rpartition(":")
                if member and self.bindings.get(owner, owner) == name:
                    members.add(member)
            for variable, bound in self.bindings.items():
                if bound == name:
                    for path in self.functions:
                        if path.startswith(variable + "."):
                            members.add(path[len(variable) + 1 :])
        return members

    def declares(self, path: str) -> bool:
        """True when `path` ("fibaro.call", "plugin.mainDeviceId", "hub") is annotated."""
        if path in self.functions or path in self.paths or path in self.globals:
            return True
        table, _, member = path.rpartition(".")
        if not table:
            return False
        return member in self.class_members(self.bindings.get(table, table))


def _blocks(path: Path) -> list[tuple[list[tuple[int, str]], tuple[int, str] | None]]:
    """Doc blocks: the `---` lines and the code line right after them (None: a blank line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[tuple[list[tuple[int, str]], tuple[int, str] | None]] = []
    doc: list[tuple[int, str]] = []
    depth = 0  # inside a multi-line table constructor: its lines are not code lines of their own
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if depth > 0:
            depth += line.count("{") - line.count("}")
            continue
        if line.startswith("---"):
            doc.append((number, line))
            continue
        if doc:
            code = (number, line) if line and not line.startswith("--") else None
            blocks.append((doc, code))
            doc = []
        elif line and not line.startswith("--"):
            blocks.append(([], (number, line)))
        if line and not line.startswith("--"):
            depth = max(0, line.count("{") - line.count("}"))
    if doc:
        blocks.append((doc, None))
    return blocks


def read_annotations(files: list[Path]) -> Annotations:
    result = Annotations()
    for path in files:
        _read_file(result, path)
    return result


def _read_file(result: Annotations, path: Path) -> None:
    name = path.name
    text = path.read_text(encoding="utf-8")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first != "---@meta":
        result.problems.append(f"{name}:1: the first line must be ---@meta")
    for doc, code in _blocks(path):
        tags: list[Tag] = []
        for number, line in doc:
            if line.startswith("---@"):
                tag, _, rest = line[4:].partition(" ")
                tags.append(Tag(tag, rest.strip(), name, number))
            elif line.startswith("---|"):
                if not tags or tags[-1].name != "alias":
                    result.problems.append(f"{name}:{number}: ---| outside an ---@alias")
                else:
                    tags.append(Tag("|", line[4:].strip(), name, number))
        _read_block(result, tags, code, name)


def _read_block(
    result: Annotations, tags: list[Tag], code: tuple[int, str] | None, file: str
) -> None:
    problems = result.problems
    generics: set[str] = set()
    class_decl: ClassDecl | None = None
    for tag in tags:
        if tag.name not in KNOWN_TAGS and tag.name != "|":
            problems.append(f"{tag.where}: unknown tag ---@{tag.name}")
        elif tag.name == "generic":
            for part in tag.text.split(","):
                gname, _, base = part.strip().partition(":")
                if not _IDENT.fullmatch(gname.strip()):
                    problems.append(f"{tag.where}: bad ---@generic {tag.text!r}")
                generics.add(gname.strip())
                if base.strip():
                    _type_ref(result, tag, base.strip(), generics)
        elif tag.name == "class":
            match = re.fullmatch(rf"({_NAME.pattern})(?:\s*:\s*(.+))?", tag.text)
            if match is None:
                problems.append(f"{tag.where}: bad ---@class {tag.text!r}")
                continue
            parents = [p.strip() for p in (match.group(2) or "").split(",") if p.strip()]
            cname = match.group(1)
            if cname in result.classes:
                problems.append(f"{tag.where}: class {cname} is already defined")
            class_decl = ClassDecl(cname, parents, where=tag.where)
            result.classes[cname] = class_decl
            result.references.append((tag, set(parents), generics))
        elif tag.name == "field":
            if class_decl is None:
                problems.append(f"{tag.where}: ---@field outside a ---@class block")
                continue
            match = re.fullmatch(r"(?:(?:public|private|protected)\s+)?(\w+)(\??)\s+(.+)", tag.text)
            if match is None:
                problems.append(f"{tag.where}: bad ---@field {tag.text!r}")
                continue
            class_decl.fields[match.group(1)] = match.group(3)
            _type_ref(result, tag, match.group(3), generics)
        elif tag.name == "alias":
            aname, _, rest = tag.text.partition(" ")
            if not _NAME.fullmatch(aname):
                problems.append(f"{tag.where}: bad ---@alias {tag.text!r}")
                continue
            result.aliases[aname] = rest.strip()
            if rest.strip():
                _type_ref(result, tag, rest.strip(), generics)
        elif tag.name == "|":
            _type_ref(result, tag, tag.text.split("#", 1)[0].strip(), generics)
        elif tag.name == "enum":
            if not _NAME.fullmatch(tag.text):
                problems.append(f"{tag.where}: bad ---@enum {tag.text!r}")
            result.enums.add(tag.text)
        elif tag.name in ("type", "return"):
            text = tag.text
            if tag.name == "return" and not text:
                problems.append(f"{tag.where}: ---@return without a type")
                continue
            _type_ref(result, tag, text, generics)
        elif tag.name == "param":
            match = re.fullmatch(r"(\w+|\.\.\.)(\??)\s+(.+)", tag.text)
            if match is None:
                problems.append(f"{tag.where}: bad ---@param {tag.text!r}")
                continue
            _type_ref(result, tag, match.group(3), generics)
        elif tag.name == "overload":
            _type_ref(result, tag, tag.text, generics)
    _read_code(result, tags, code, file)


def _type_ref(result: Annotations, tag: Tag, text: str, generics: set[str]) -> None:
    try:
        names, _rest = parse_type(text)
    except TypeSyntaxError as exc:
        result.problems.append(f"{tag.where}: bad type in ---@{tag.name}: {exc}")
        return
    result.references.append((tag, names, set(generics)))


def _read_code(
    result: Annotations, tags: list[Tag], code: tuple[int, str] | None, file: str
) -> None:
    params_tags = [t for t in tags if t.name == "param"]
    classes = [t for t in tags if t.name in ("class", "enum")]
    if code is None:
        for tag in params_tags:
            result.problems.append(f"{tag.where}: ---@param without a function below it")
        return
    number, line = code
    where = f"{file}:{number}"
    function = _FUNCTION.match(line)
    if function is not None:
        owner, method, raw_params = function.groups()
        params = [p.strip() for p in raw_params.split(",") if p.strip()]
        path = f"{owner}:{method}" if method else owner
        if path in result.functions:
            result.problems.append(f"{where}: {path} is annotated twice")
        result.functions[path] = FunctionDecl(path, params, tags, where)
        if "." not in owner and not method:
            result.globals.add(owner)
        documented = []
        for tag in params_tags:
            pname = re.split(r"[?\s]", tag.text, maxsplit=1)[0]
            documented.append(pname)
            if pname not in params:
                result.problems.append(
                    f"{tag.where}: ---@param {pname} is not a parameter of {path}"
                )
        missing = [p for p in params if p not in documented]
        if missing:
            result.problems.append(f"{where}: {path}: no ---@param for {', '.join(missing)}")
        elif documented != params:
            result.problems.append(f"{where}: {path}: ---@param order differs from {params}")
        return
    assign = _ASSIGN.match(line)
    if assign is None:
        if line not in ("}", "end") and not line.endswith(","):
            result.problems.append(f"{where}: cannot read the code line {line!r}")
        return
    local, target, _value = assign.groups()
    for tag in params_tags:
        result.problems.append(f"{tag.where}: ---@param above an assignment")
    if not local:
        if "." in target:
            result.paths.add(target)
        else:
            result.globals.add(target)
    for tag in classes:
        cname = tag.text.split(":", 1)[0].strip()
        result.bindings[target] = cname
    if not classes and _value.strip() in result.bindings:  # hub = fibaro
        result.bindings[target] = result.bindings[_value.strip()]


def check(result: Annotations) -> list[str]:
    """Every problem found while reading, plus type names that nothing defines."""
    problems = list(result.problems)
    defined = BUILTIN_TYPES | set(result.classes) | set(result.aliases) | result.enums
    for tag, names, generics in result.references:
        for name in sorted(names - defined - generics):
            problems.append(f"{tag.where}: ---@{tag.name} names an undefined type {name!r}")
    for path, decl in result.functions.items():
        owner = path.split(":", 1)[0] if decl.is_method else path.rpartition(".")[0]
        if owner and owner not in result.bindings and owner != "string":
            problems.append(f"{decl.where}: {path}: {owner} is not a table with a ---@class")
    return problems
