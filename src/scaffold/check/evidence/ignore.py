"""A reader of the repository's root `.gitignore`, so ignored files are not scored.

It follows git's pattern rules (basename patterns, anchored paths, `*`, `?`, `[...]`, `**` as a
whole path segment, a trailing `/` for directories, `!` negation, `\\` escapes; the last matching
rule wins); nested `.gitignore` files are not read.

The `.gitignore` is the checked repository's, so matching must stay fast on any input:

- repeated `**/` segments are collapsed (`**/**/x` is `**/x`) and runs of `*` are one `*`;
- plain names and paths, `*.ext` and `prefix*` rules are found by hashing, whatever their number;
- another rule whose regular expression cannot backtrack (at most one `*` per path segment and at
  most one `**`) is a compiled expression; any other is matched by a greedy leftmost matcher that
  needs time proportional to the path length times the pattern length, never exponential;
- rules past `MAX_RULES`, wildcard rules past `MAX_GENERIC_RULES`, patterns longer than
  `MAX_PATTERN_LENGTH` and wildcard tries past `MAX_GENERIC_EVALUATIONS` are not applied, and a
  note says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_RULES = 10_000
MAX_GENERIC_RULES = 256
MAX_GENERIC_EVALUATIONS = 2_000_000
MAX_PATTERN_LENGTH = 1024
MAX_PATH_LENGTH = 4096


@dataclass(frozen=True)
class IgnoreRule:
    index: int
    pattern: str
    directories_only: bool
    negated: bool


# One token of a pattern segment: (kind, regex source), kind "lit", "one" (`?`), "class" or "star".
# Every kind but "star" matches exactly one character.
_Token = tuple[str, str]


def _tokenize_segment(segment: str) -> list[_Token] | None:
    """Tokens of one path segment of a pattern; None when it cannot be read (e.g. a bad class)."""
    tokens: list[_Token] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "\\":
            if i + 1 >= len(segment):
                return None  # git: a trailing backslash makes the pattern invalid
            tokens.append(("lit", re.escape(segment[i + 1])))
            i += 2
            continue
        if char == "*":
            if not tokens or tokens[-1][0] != "star":
                tokens.append(("star", "[^/]*"))
            i += 1
            continue
        if char == "?":
            tokens.append(("one", "[^/]"))
            i += 1
            continue
        if char == "[":
            parsed = _character_class(segment, i)
            if parsed is None:
                tokens.append(("lit", re.escape(char)))
                i += 1
                continue
            source, i = parsed
            tokens.append(("class", source))
            continue
        tokens.append(("lit", re.escape(char)))
        i += 1
    return tokens


def _character_class(segment: str, start: int) -> tuple[str, int] | None:
    """The regex source of the class opening at `start` and the index after it, or None."""
    i = start + 1
    negated = False
    if i < len(segment) and segment[i] in "!^":
        negated = True
        i += 1
    items: list[str] = []
    first = True
    while i < len(segment):
        char = segment[i]
        if char == "]" and not first:
            body = "".join(items)
            return (f"[^/{body}]" if negated else f"(?!/)[{body}]"), i + 1
        first = False
        if char == "[" and segment.startswith("[:", i):
            end = segment.find(":]", i + 2)
            if end == -1:
                return None
            name = segment[i + 2 : end]
            named = {
                "alnum": "a-zA-Z0-9",
                "alpha": "a-zA-Z",
                "digit": "0-9",
                "lower": "a-z",
                "upper": "A-Z",
                "space": " \\t\\n\\r\\f\\v",
                "xdigit": "0-9a-fA-F",
                "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
                "blank": " \\t",
            }
            if name not in named:
                return None
            items.append(named[name])
            i = end + 2
            continue
        if char == "\\" and i + 1 < len(segment):
            char = segment[i + 1]
            i += 1
        if i + 2 < len(segment) and segment[i + 1] == "-" and segment[i + 2] != "]":
            low, high = char, segment[i + 2]
            if high == "\\" and i + 3 < len(segment):
                high = segment[i + 3]
                i += 1
            if low > high:
                return None
            items.append(f"{re.escape(low)}-{re.escape(high)}")
            i += 3
            continue
        items.append(re.escape(char))
        i += 1
    return None


@dataclass(frozen=True)
class _Segment:
    """One segment of a pattern, matched against one path segment."""

    source: str
    chunks: tuple[tuple[re.Pattern[str], int], ...]  # the parts between stars and their widths
    stars: int
    leading_star: bool
    trailing_star: bool
    full: re.Pattern[str]

    def matches(self, text: str) -> bool:
        if self.stars <= 1:
            return self.full.fullmatch(text) is not None
        # Greedy leftmost placement of the fixed-width chunks between stars: linear in practice,
        # len(text) * len(pattern) at worst.
        chunks = self.chunks
        position = 0
        first, last = 0, len(chunks)
        if not self.leading_star:
            found = chunks[0][0].match(text)
            if found is None:
                return False
            position = found.end()
            first = 1
        if not self.trailing_star:
            last -= 1
        for chunk, _ in chunks[first:last]:
            found = chunk.search(text, position)
            if found is None:
                return False
            position = found.end()
        if self.trailing_star:
            return True
        tail, width = chunks[-1]
        start = len(text) - width
        return start >= position and tail.fullmatch(text, start) is not None


def _compile_chunk(tokens: list[_Token]) -> tuple[re.Pattern[str], int]:
    return re.compile("".join(regex for _, regex in tokens), re.DOTALL), len(tokens)


def _segment(tokens: list[_Token]) -> _Segment:
    chunks: list[list[_Token]] = [[]]
    for token in tokens:
        if token[0] == "star":
            chunks.append([])
        else:
            chunks[-1].append(token)
    leading = bool(tokens) and tokens[0][0] == "star"
    trailing = bool(tokens) and tokens[-1][0] == "star"
    compiled = tuple(_compile_chunk(chunk) for chunk in chunks if chunk)
    source = "".join(regex for _, regex in tokens)
    return _Segment(
        source=source,
        chunks=compiled,
        stars=sum(1 for kind, _ in tokens if kind == "star"),
        leading_star=leading,
        trailing_star=trailing,
        full=re.compile(source, re.DOTALL),
    )


@dataclass(frozen=True)
class _Compiled:
    rule: IgnoreRule
    anchored: bool
    items: tuple[_Segment | None, ...]  # None stands for `**`
    override: str | None = None  # the whole rule as one expression (see `_literal_then_double_star`)

    @property
    def safe_regex(self) -> str | None:
        """One regular expression for the rule when it cannot backtrack badly, else None."""
        if self.override is not None:
            return self.override
        if sum(1 for item in self.items if item is None) > 1:
            return None
        if any(item is not None and item.stars > 1 for item in self.items):
            return None
        out: list[str] = []
        count = len(self.items)
        for position, item in enumerate(self.items):
            last = position == count - 1
            if item is None:
                out.append(".*" if last else "(?:.*/)?")
                continue
            out.append(item.source)
            if not last:
                out.append("/")
        return "".join(out)

    def matches(self, parts: list[str]) -> bool:
        items = self.items
        if None not in items:
            if len(parts) != len(items):
                return False
            return all(item.matches(part) for item, part in zip(items, parts, strict=True))  # type: ignore[union-attr]
        groups: list[list[_Segment]] = [[]]
        for item in items:
            if item is None:
                groups.append([])
            else:
                groups[-1].append(item)
        head, *middle, tail = groups
        if len(parts) < sum(len(group) for group in groups):
            return False
        if not all(item.matches(part) for item, part in zip(head, parts, strict=False)):
            return False
        position = len(head)
        end = len(parts) - len(tail)
        if not all(item.matches(part) for item, part in zip(tail, parts[end:], strict=True)):
            return False
        if items[-1] is None and position >= len(parts):
            return False  # a trailing `**` needs at least one segment below
        for group in middle:
            width = len(group)
            while position + width <= end:
                if all(item.matches(parts[position + k]) for k, item in enumerate(group)):
                    break
                position += 1
            else:
                return False
            position += width
        return position <= end


@dataclass
class _Lookup:
    """Rules of one simple shape, found by hashing instead of trying each one."""

    exact: dict[str, IgnoreRule] = field(default_factory=dict)
    suffixes: dict[str, IgnoreRule] = field(default_factory=dict)  # `*tail`
    prefixes: dict[str, IgnoreRule] = field(default_factory=dict)  # `head*`
    suffix_lengths: list[int] = field(default_factory=list)
    prefix_lengths: list[int] = field(default_factory=list)

    def add(self, shape: str, key: str, rule: IgnoreRule) -> None:
        table = {"exact": self.exact, "suffix": self.suffixes, "prefix": self.prefixes}[shape]
        table[key] = rule  # a later rule with the same key overrides the earlier one
        lengths = {"suffix": self.suffix_lengths, "prefix": self.prefix_lengths}.get(shape)
        if lengths is not None and len(key) not in lengths:
            lengths.append(len(key))

    def latest(self, text: str, best: IgnoreRule | None) -> IgnoreRule | None:
        candidates = [self.exact.get(text)]
        candidates += [self.suffixes.get(text[-n:]) for n in self.suffix_lengths if n <= len(text)]
        candidates += [self.prefixes.get(text[:n]) for n in self.prefix_lengths if n <= len(text)]
        for rule in candidates:
            if rule is not None and (best is None or rule.index > best.index):
                best = rule
        return best


@dataclass
class IgnoreSpec:
    """Compiled rules, queried with :meth:`matches`; `notes` say which rules were not applied."""

    rules: list[IgnoreRule] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _lookups: dict[tuple[bool, bool], _Lookup] = field(default_factory=dict)  # (anchored, for dirs)
    _generic: list[tuple[_Compiled, re.Pattern[str] | None]] = field(default_factory=list)
    _evaluations: int = 0

    def __bool__(self) -> bool:
        return bool(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def matches(self, path: str, is_directory: bool) -> bool:
        """True when the last rule that matches `path` (relative, POSIX) ignores it."""
        if not self.rules or len(path) > MAX_PATH_LENGTH:
            return False
        basename = path.rsplit("/", 1)[-1]
        best: IgnoreRule | None = None
        for anchored, text in ((False, basename), (True, path)):
            lookup = self._lookups.get((anchored, is_directory))
            if lookup is not None:
                best = lookup.latest(text, best)
        if self._generic and self._evaluations < MAX_GENERIC_EVALUATIONS:
            parts: list[str] | None = None
            for compiled, regex in reversed(self._generic):
                rule = compiled.rule
                if best is not None and rule.index < best.index:
                    break
                if rule.directories_only and not is_directory:
                    continue
                self._evaluations += 1
                target = path if compiled.anchored else basename
                if regex is not None:
                    hit = regex.fullmatch(target) is not None
                else:
                    if parts is None:
                        parts = path.split("/")
                    hit = compiled.matches(parts if compiled.anchored else parts[-1:])
                if hit:
                    best = rule
                    break
            if self._evaluations >= MAX_GENERIC_EVALUATIONS:
                self.notes.append(
                    f".gitignore: its wildcard rules were tried {MAX_GENERIC_EVALUATIONS:,} times, "
                    "so they were not applied to the remaining paths"
                )
        return best is not None and not best.negated


def _simple_shape(rule: IgnoreRule) -> tuple[bool, str, str] | None:
    """(anchored, "exact" | "suffix" | "prefix", key) when the rule is a literal name or path, or a
    basename with one `*` at an edge; such rules are looked up, never compiled."""
    anchored = "/" in rule.pattern
    text = rule.pattern.lstrip("/") if anchored else rule.pattern
    if any(char in text for char in "?[\\"):
        return None
    stars = text.count("*")
    if stars == 0:
        return anchored, "exact", "/".join(piece for piece in text.split("/") if piece)
    if stars == 1 and not anchored and len(text) > 1:
        if text.startswith("*"):
            return anchored, "suffix", text[1:]
        if text.endswith("*"):
            return anchored, "prefix", text[:-1]
    return None


def _split_rule(raw: str) -> tuple[str, bool, bool] | None:
    """(pattern, negated, directories_only) of one line, or None for a blank or comment line."""
    line = raw
    while line.endswith((" ", "\t")) and not line.endswith(("\\ ", "\\\t")):
        line = line[:-1]
    if line.endswith(("\\ ", "\\\t")):
        line = line[:-2] + line[-1]
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    if negated or line.startswith(("\\!", "\\#")):
        line = line[1:]
    directories_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    return line, negated, directories_only


def _literal_then_double_star(rule: IgnoreRule) -> _Compiled | None:
    """git's reading of an anchored pattern whose first wildcard is a `**` glued to a literal
    (`docs/a**/x`): git compares the literal prefix first and matches the rest on its own, so that
    `**` spans directories like a leading `**/` would. None when the pattern is not of this form."""
    text = rule.pattern.lstrip("/")
    first = next((k for k, char in enumerate(text) if char in "*?[\\"), None)
    if not first or not text.startswith("**", first) or text[first - 1] == "/":
        return None
    end = first
    while end < len(text) and text[end] == "*":
        end += 1
    prefix = re.escape(text[:first])
    if end == len(text):
        return _Compiled(rule, True, (), override=prefix + ".*")
    if text[end] != "/":
        return None
    rest = _compile(IgnoreRule(rule.index, "/" + text[end + 1 :], rule.directories_only, rule.negated), glued=False)
    source = rest.safe_regex if rest is not None else None
    if source is None:
        return _Compiled(rule, True, (), override="(?!)")  # too complex to match safely: never matches
    return _Compiled(rule, True, (), override=f"{prefix}(?:.*/)?{source}")


def _compile(rule: IgnoreRule, *, glued: bool = True) -> _Compiled | None:
    pattern = rule.pattern
    anchored = "/" in pattern
    if anchored and glued:
        special = _literal_then_double_star(rule)
        if special is not None:
            return special
    pieces = [piece for piece in pattern.lstrip("/").split("/") if piece != ""]
    items: list[_Segment | None] = []
    for piece in pieces:
        if len(piece) >= 2 and piece.strip("*") == "":  # `**`, `***`, ...: any number of directories
            if items and items[-1] is None:
                continue  # `**/**` is `**`
            items.append(None)
            continue
        tokens = _tokenize_segment(piece)
        if tokens is None:
            return None
        items.append(_segment(tokens))
    if not items:
        return None
    return _Compiled(rule, anchored, tuple(items))


def parse_gitignore(text: str) -> IgnoreSpec:
    spec = IgnoreSpec()
    over_rules = over_length = over_generic = 0
    for raw in text.splitlines():
        split = _split_rule(raw)
        if split is None:
            continue
        pattern, negated, directories_only = split
        if len(pattern) > MAX_PATTERN_LENGTH:
            over_length += 1
            continue
        if len(spec.rules) >= MAX_RULES:
            over_rules += 1
            continue
        rule = IgnoreRule(len(spec.rules), pattern, directories_only, negated)
        shape = _simple_shape(rule)
        if shape is not None:
            anchored, kind, key = shape
            for for_dirs in (True, False):
                if for_dirs or not directories_only:
                    spec._lookups.setdefault((anchored, for_dirs), _Lookup()).add(kind, key, rule)
            spec.rules.append(rule)
            continue
        if len(spec._generic) >= MAX_GENERIC_RULES:
            over_generic += 1
            continue
        built = _compile(rule)
        if built is None:
            continue
        spec.rules.append(rule)
        source = built.safe_regex
        spec._generic.append((built, re.compile(source, re.DOTALL) if source is not None else None))
    if over_rules:
        spec.notes.append(f".gitignore: {over_rules} rule(s) past the first {MAX_RULES} were not applied")
    if over_length:
        spec.notes.append(
            f".gitignore: {over_length} pattern(s) longer than {MAX_PATTERN_LENGTH} characters were not applied"
        )
    if over_generic:
        spec.notes.append(
            f".gitignore: {over_generic} wildcard rule(s) past the first {MAX_GENERIC_RULES} were not applied"
        )
    return spec


def is_ignored(rules: IgnoreSpec, path: str, is_directory: bool) -> bool:
    return rules.matches(path, is_directory)
