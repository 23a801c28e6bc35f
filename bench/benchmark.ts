// The shape every benchmark in this folder exports, and the flag parser they share.
export interface BenchArgs {
  flags: Record<string, string | boolean>;
  number(name: string, fallback: number): number;
  string(name: string, fallback: string): string;
}

export type Figures = Record<string, number | string | boolean>;
export type Benchmark = (args: BenchArgs) => Promise<Figures>;

export function parseBenchArgs(argv: string[]): BenchArgs {
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    // Split at the first "=" only: a value may hold more (--node-flags=--max-semi-space-size=1).
    const eq = arg.indexOf('=');
    const key = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const next = argv[i + 1];
    if (inline !== undefined) flags[key] = inline;
    else if (next !== undefined && !next.startsWith('--')) {
      flags[key] = next;
      i++;
    } else flags[key] = true;
  }
  return {
    flags,
    number(name, fallback) {
      const v = flags[name];
      if (v === undefined || v === true) return fallback;
      const n = Number(v);
      if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${String(v)}`);
      return n;
    },
    string(name, fallback) {
      const v = flags[name];
      return typeof v === 'string' ? v : fallback;
    },
  };
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}
