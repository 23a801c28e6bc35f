// Reading YAML that anyone may have written, with work bounded by the size of the text.
// The yaml package alone is not: its composer recurses once per nesting level (a few hundred
// "[" end in a RangeError, and on a stack already that deep V8 has been seen to abort the
// whole process while compiling a regular expression, which no catch can stop); its check for
// duplicate keys compares each key with every earlier one (32,000 keys took 24 s); and its
// alias expansion grows exponentially unless budgeted. So, in one linear pass over the
// package's lexer (a flat state machine) before anything is composed:
//   - the nesting is bounded: open brackets, plus on each line outside brackets its
//     indentation and its block indicators ("- - - x" nests three times on one line);
//   - the number of tokens is bounded (the composer's time and memory follow it);
// then documents are composed without the package's duplicate-key check, and duplicates are
// found here with one Set per mapping. Aliases are budgeted when a document becomes a value.
import { Composer, isMap, isScalar, Lexer, LineCounter, Parser, visit, type Document, type Scalar } from 'yaml';

export const YAML_LIMITS = {
  /** Deeper than any hand-written or Helm-rendered file; far shallower than the composer's limit. */
  nesting: 128,
  /** Alias expansions per document: enough for anchors reused by hand, never a "billion laughs". */
  aliases: 100,
} as const;

export interface YamlRefusal {
  /** 1-based line where a limit was passed. */
  line: number;
  message: string;
}

/**
 * Checks nesting and size in tokens before anything is composed; undefined when the text is
 * within both. `maxTokens` is the caller's: a discoveryDetails text needs far fewer than a file.
 */
export function yamlShapeRefusal(text: string, maxTokens: number, limit = YAML_LIMITS.nesting): YamlRefusal | undefined {
  let line = 1;
  let flow = 0;
  let indent = 0;
  let indicators = 0;
  let lineStart = true;
  let tokens = 0;
  for (const token of new Lexer().lex(text)) {
    tokens += 1;
    if (tokens > maxTokens) {
      return { line, message: `holds more than ${maxTokens} YAML tokens (keys, values, punctuation); the limit is ${maxTokens}` };
    }
    if (token === '\n' || token === '\r\n') {
      line += 1;
      indent = 0;
      indicators = 0;
      lineStart = true;
      continue;
    }
    const first = token.charCodeAt(0);
    // Control characters are the lexer's own markers (document start, scalar), not text.
    if (first < 0x20 && first !== 0x09) continue;
    if (lineStart && /^ +$/.test(token)) {
      if (flow === 0) indent = token.length;
      lineStart = false;
      continue;
    }
    lineStart = false;
    if (token === '[' || token === '{') flow += 1;
    else if (token === ']' || token === '}') flow = Math.max(0, flow - 1);
    else if (flow === 0 && (token === '-' || token === '?' || token === ':')) indicators += 1;
    const nesting = flow + indent + indicators;
    if (nesting > limit) {
      return { line, message: `nests deeper than ${limit} levels (indentation and brackets) on this line` };
    }
    // Multi-line tokens (block scalars, quoted strings over several lines) move the line on.
    for (let i = token.indexOf('\n'); i >= 0; i = token.indexOf('\n', i + 1)) line += 1;
    if (token.endsWith('\n')) {
      indent = 0;
      indicators = 0;
      lineStart = true;
    }
  }
  return undefined;
}

/**
 * The documents of a text already checked by yamlShapeRefusal, one at a time. `merge` reads
 * `<<` merge keys as kubectl does (for whole manifests); discoveryDetails leave it off, as
 * Akri's serde_yaml does.
 */
export function* composeDocuments(text: string, options: { lineCounter?: LineCounter; merge?: boolean } = {}): Generator<Document> {
  const parser = new Parser(options.lineCounter?.addNewLine);
  const composer = new Composer({ uniqueKeys: false, merge: options.merge ?? false });
  const documents = composer.compose(parser.parse(text)) as Generator<Document>;
  for (;;) {
    // The package builds an Error per syntax problem, and a text can hold tens of thousands:
    // their stack traces (never shown; the message and position are what a user reads) were
    // most of the time and memory. Set only while the package runs, synchronously.
    const saved = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    let step: IteratorResult<Document>;
    try {
      step = documents.next();
    } finally {
      Error.stackTraceLimit = saved;
    }
    if (step.done) return;
    yield step.value;
  }
}

export interface DuplicateKey {
  key: string;
  /** Offset of the repeated key in the text. */
  offset: number;
}

/** The first repeated key of each mapping in the document (the composer was told not to look). */
export function duplicateKeys(doc: Document): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return;
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String((pair.key as Scalar).value);
        if (key === '<<') continue;
        if (seen.has(key)) {
          found.push({ key, offset: (pair.key as Scalar).range?.[0] ?? 0 });
          break;
        }
        seen.add(key);
      }
    },
  });
  return found;
}
