// YAML texts built to swamp a reader, each a family of the hostile-input suite: alias bombs,
// merge-key chains, deep nesting, flat floods of tokens, masses of documents, errors and
// duplicate keys, sized to just under the limits (or just over, to see the refusal).
import { Lexer } from 'yaml';

export function tokens(text: string): number {
  let count = 0;
  for (const _ of new Lexer().lex(text)) count += 1;
  return count;
}

/** `head` + `unit` repeated + `tail`, as many units as fit under `maxTokens` and `maxBytes`. */
export function repeatUnder(head: string, unit: string, tail: string, maxTokens: number, maxBytes: number): string {
  const per = (tokens(head + unit.repeat(100) + tail) - tokens(head + tail)) / 100;
  const byTokens = Math.floor((maxTokens - tokens(head + tail) - 10) / per);
  const byBytes = Math.floor((maxBytes - Buffer.byteLength(head + tail)) / Buffer.byteLength(unit));
  return head + unit.repeat(Math.max(0, Math.min(byTokens, byBytes))) + tail;
}

export function configuration(name: string, spec: string): string {
  return `apiVersion: akri.sh/v0\nkind: Configuration\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}

/** "Billion laughs": `levels` anchors, each naming the previous one `width` times. */
export function aliasBomb(levels: number, width: number): string {
  const lines = [`l0: &l0 [${Array(width).fill('"lol"').join(', ')}]`];
  for (let i = 1; i < levels; i++) lines.push(`l${i}: &l${i} [${Array(width).fill(`*l${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

/** A chain of merge keys at the top level, each mapping merging the previous one twice. */
export function mergeChain(length: number): string {
  const lines = ['m0: &m0 {k0: 0}'];
  for (let i = 1; i < length; i++) lines.push(`m${i}: &m${i}\n  <<: [*m${i - 1}, *m${i - 1}]\n  k${i}: ${i}`);
  return `${lines.join('\n')}\n`;
}

/** Families of hostile YAML, each as large as the token and byte limits allow. */
export function hostileFamilies(maxTokens: number, maxBytes: number): Record<string, string> {
  const under = (head: string, unit: string, tail = ''): string => repeatUnder(head, unit, tail, maxTokens, maxBytes);
  const debugEcho = '  discoveryHandler: {name: debugEcho, discoveryDetails: "descriptions: [a]"}\n';
  const unique = (prefix: string, make: (i: number) => string): string => {
    let text = prefix;
    for (let i = 0; tokens(text) < maxTokens - 2000 && Buffer.byteLength(text) < maxBytes - 100; i += 200) {
      text += Array.from({ length: 200 }, (_, j) => make(i + j)).join('');
    }
    return text;
  };
  return {
    'alias bomb': aliasBomb(10, 10),
    'merge-key chain': mergeChain(60),
    'alias flood': under('x: &a [1]\ny: [', '*a, ', '*a]\n'),
    'flat flow sequence': under('a: [', '1, ', '1]\n'),
    'flat flow mapping with one key repeated': under('a: {', 'k: 1, ', 'k: 2}\n'),
    'block sequence': under('a:\n', '- 1\n'),
    'many empty documents': under('', '---\n'),
    'many small documents': under('', '--- {a: 1}\n'),
    'many broken Configurations': under('', `${configuration('x', `  capacity: 0\n${debugEcho}`)}---\n`),
    'many unknown fields': unique(configuration('x', debugEcho), (i) => `  unknown${i}: 1\n`),
    'many distinct keys': unique(configuration('x', `${debugEcho}  brokerProperties:\n`), (i) => `    K${i}: "v"\n`),
    'many anchors': unique('', (i) => `k${i}: &a${i} v\n`),
    'syntax errors on every line': under('', '{]\n'),
    'brackets nested just under the limit, repeated': under('', `${'['.repeat(120)}${']'.repeat(120)}\n`),
    'deep nesting': `a:\n  b: ${'['.repeat(5000)}\n`,
    'deep block nesting': `${Array.from({ length: 400 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')} 1\n`,
    'compact sequences on one line': `${'- '.repeat(50_000)}x\n`,
    'tabs as indentation': under('a:\n', '\t- x\n'),
    'one long string': `a: "${'x'.repeat(maxBytes - 20)}"\n`,
  };
}
