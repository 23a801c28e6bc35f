// The value side of a udev match key, e.g. the "video[0-9]*|vbi*" in KERNEL=="video[0-9]*|vbi*",
// matched the way udevd matches it: `|` separates alternatives; a value with any of `*?[` is an
// fnmatch(3) glob (flags 0: `*` and `?` also match `/`, `\` escapes the next character);
// otherwise each alternative is compared literally. An empty value matches only an empty or
// unset string, and an empty alternative ("foo|") lets the empty string match too.
//
// Globs are matched by a two-pointer walk that remembers only the last `*`, so matching costs
// at most O(pattern × value) and a hostile pattern such as "*a*a*a*a*a*b" cannot make it
// backtrack exponentially. Compiling is linear in the pattern: a `[` without its `]` would
// otherwise rescan the rest of the pattern once per `[` (20,000 of them took over 10 s), so
// positions already proven to lead to no `]` are remembered and never read twice.

type GlobToken =
  | { kind: 'literal'; char: string }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'set'; negated: boolean; test: (char: string) => boolean };

export interface UdevPattern {
  /** The value as written in the rule (after unquoting). */
  readonly source: string;
  /** True if `value` matches; an unset value is treated as the empty string, as udev does. */
  matches(value: string | undefined): boolean;
  /** True if some alternative ends in whitespace, so attribute values must not be trimmed. */
  readonly wantsTrailingWhitespace: boolean;
  /**
   * The exact strings this pattern accepts, when it is a plain list (no glob characters, no
   * empty alternative); undefined otherwise. Lets a scan ask only for those subsystems.
   */
  readonly literals: readonly string[] | undefined;
}

export function compileUdevPattern(source: string): UdevPattern {
  if (source === '') {
    return { source, wantsTrailingWhitespace: false, literals: undefined, matches: (value) => (value ?? '') === '' };
  }
  const alternatives = source.split('|');
  const emptyMatches = alternatives.some((alternative) => alternative === '');
  const nonEmpty = alternatives.filter((alternative) => alternative !== '');
  // udevd decides glob-or-plain once for the whole value, not per alternative.
  const isGlob = /[*?[]/.test(source);
  const matchers: ((value: string) => boolean)[] = nonEmpty.map((alternative) => {
    if (!isGlob) return (value: string) => value === alternative;
    const tokens = tokenizeGlob(alternative);
    return (value: string) => matchTokens(tokens, Array.from(value));
  });
  return {
    source,
    wantsTrailingWhitespace: alternatives.some((alternative) => /\s$/.test(alternative)),
    literals: isGlob || emptyMatches ? undefined : nonEmpty,
    matches(value: string | undefined): boolean {
      const text = value ?? '';
      if (text === '') return emptyMatches || matchers.some((matcher) => matcher(text));
      return matchers.some((matcher) => matcher(text));
    },
  };
}

function tokenizeGlob(pattern: string): GlobToken[] {
  const chars = Array.from(pattern);
  const tokens: GlobToken[] = [];
  const unterminated = new Uint8Array(chars.length + 1);
  let i = 0;
  while (i < chars.length) {
    const char = chars[i] as string;
    if (char === '\\') {
      // A trailing backslash has nothing to escape; fnmatch then treats it as itself.
      tokens.push({ kind: 'literal', char: chars[i + 1] ?? '\\' });
      i += 2;
    } else if (char === '*') {
      // Consecutive stars mean the same as one and would only cost time.
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
      i += 1;
    } else if (char === '?') {
      tokens.push({ kind: 'any' });
      i += 1;
    } else if (char === '[') {
      const set = parseBracket(chars, i, unterminated);
      if (set) {
        tokens.push(set.token);
        i = set.next;
      } else {
        // An unterminated bracket is an ordinary character, as in fnmatch.
        tokens.push({ kind: 'literal', char });
        i += 1;
      }
    } else {
      tokens.push({ kind: 'literal', char });
      i += 1;
    }
  }
  return tokens;
}

const CHARACTER_CLASSES: Record<string, RegExp> = {
  alnum: /^[A-Za-z0-9]$/,
  alpha: /^[A-Za-z]$/,
  blank: /^[ \t]$/,
  cntrl: /^[\x00-\x1f\x7f]$/,
  digit: /^[0-9]$/,
  graph: /^[\x21-\x7e]$/,
  lower: /^[a-z]$/,
  print: /^[\x20-\x7e]$/,
  punct: /^[!-/:-@[-`{-~]$/,
  space: /^[ \t\n\v\f\r]$/,
  upper: /^[A-Z]$/,
  xdigit: /^[0-9A-Fa-f]$/,
};

/** The longest class name, "xdigit": a `[:` further from its `:]` than this names no class. */
const LONGEST_CLASS_NAME = 6;

/**
 * Parses `[...]` starting at `start` (the `[`); undefined when there is no closing `]`.
 *
 * Where an element starts (past the first) decides alone where the bracket would end, so a
 * scan that reaches the end of the pattern proves every element start it passed to be
 * `unterminated`, for any later `[` too. Marking them keeps the whole tokenize linear.
 */
function parseBracket(
  chars: string[],
  start: number,
  unterminated: Uint8Array,
): { token: GlobToken; next: number } | undefined {
  let i = start + 1;
  let negated = false;
  if (chars[i] === '!' || chars[i] === '^') {
    negated = true;
    i += 1;
  }
  const tests: ((char: string) => boolean)[] = [];
  const visited: number[] = [];
  let first = true;
  while (i < chars.length) {
    if (!first) {
      if (unterminated[i] === 1) break;
      visited.push(i);
    }
    const char = chars[i] as string;
    if (char === ']' && !first) {
      return { token: { kind: 'set', negated, test: (c) => tests.some((t) => t(c)) }, next: i + 1 };
    }
    first = false;
    if (char === '[' && chars[i + 1] === ':') {
      const window = chars.slice(i + 2, i + 4 + LONGEST_CLASS_NAME);
      const close = window.indexOf(':');
      const name = close >= 0 && window[close + 1] === ']' ? window.slice(0, close).join('') : undefined;
      const klass = name === undefined ? undefined : CHARACTER_CLASSES[name];
      if (klass) {
        tests.push((c) => klass.test(c));
        i += close + 4;
        continue;
      }
    }
    let low = char;
    if (char === '\\' && i + 1 < chars.length) {
      i += 1;
      low = chars[i] as string;
    }
    i += 1;
    if (chars[i] === '-' && i + 1 < chars.length && chars[i + 1] !== ']') {
      let high = chars[i + 1] as string;
      i += 2;
      if (high === '\\' && i < chars.length) {
        high = chars[i] as string;
        i += 1;
      }
      const from = low.codePointAt(0) ?? 0;
      const to = high.codePointAt(0) ?? 0;
      tests.push((c) => {
        const point = c.codePointAt(0) ?? -1;
        return point >= from && point <= to;
      });
    } else {
      const single = low;
      tests.push((c) => c === single);
    }
  }
  for (const position of visited) unterminated[position] = 1;
  return undefined;
}

function matchesOne(token: GlobToken, char: string): boolean {
  switch (token.kind) {
    case 'literal':
      return token.char === char;
    case 'any':
      return true;
    case 'set':
      return token.test(char) !== token.negated;
    case 'star':
      return false;
  }
}

/**
 * Every token but `*` consumes exactly one character, so on a mismatch it is enough to let the
 * most recent `*` swallow one more character and retry from just after it: an earlier `*` could
 * never do better than the later one. Each (token, character) pair is visited a bounded number
 * of times, which is what keeps this linear in the product of the lengths.
 */
function matchTokens(tokens: GlobToken[], chars: string[]): boolean {
  let t = 0;
  let c = 0;
  let starToken = -1;
  let starChar = 0;
  while (c < chars.length) {
    const token = tokens[t];
    if (token && token.kind === 'star') {
      starToken = t;
      starChar = c;
      t += 1;
    } else if (token && matchesOne(token, chars[c] as string)) {
      t += 1;
      c += 1;
    } else if (starToken >= 0) {
      t = starToken + 1;
      starChar += 1;
      c = starChar;
    } else {
      return false;
    }
  }
  while (tokens[t]?.kind === 'star') t += 1;
  return t === tokens.length;
}
