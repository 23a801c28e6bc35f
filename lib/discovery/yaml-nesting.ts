// A cheap look at how deeply a YAML text nests, taken before the yaml package composes it.
// The composer recurses once per level: a few hundred "[" end in a RangeError, and on a stack
// already deep from that, V8 has been seen to abort the whole process while compiling a
// regular expression ("RegExpCompiler Allocation failed"), which no catch can stop. The
// package's lexer is a flat state machine, so its tokens are read here instead, counting an
// upper bound of the depth: open brackets, plus on each line outside brackets its indentation
// and its block indicators ("- - - x" nests three times on one line).
import { Lexer } from 'yaml';

/** Deeper than any hand-written or Helm-rendered file; far shallower than the composer's limit. */
export const MAX_YAML_NESTING = 128;

export interface TooDeep {
  /** 1-based line where the bound was passed. */
  line: number;
  nesting: number;
}

export function yamlTooDeep(text: string, limit = MAX_YAML_NESTING): TooDeep | undefined {
  let line = 1;
  let flow = 0;
  let indent = 0;
  let indicators = 0;
  let lineStart = true;
  for (const token of new Lexer().lex(text)) {
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
    if (nesting > limit) return { line, nesting };
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
