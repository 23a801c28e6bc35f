// The one process shell of the agent and the controller: their flags (node:util parseArgs,
// each flag with its environment variable and default, the --help text made from the same
// table), the kubeconfig (the small reader, client-node only when the kubeconfig needs it),
// one HTTP server for /metrics and /healthz, and SIGINT/SIGTERM handling.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { LiteKubeConfig, UnsupportedKubeConfig } from '../kube/lite-kube-config.ts';
import type { KubeEndpoint } from '../kube/raw-request.ts';
import type { Logger } from '../observability/logger.ts';

interface FlagBase {
  /** Environment variables read, in order, when the flag is not given. */
  env?: readonly string[];
  /** The value's placeholder in --help, e.g. "<dir>". */
  value?: string;
  /** What --help says; may span lines. */
  help: string;
}

export type FlagSpec =
  | (FlagBase & { type: 'string'; default?: string })
  | (FlagBase & { type: 'boolean'; default?: boolean })
  /** A number >= 0 (a count, a port, or seconds). */
  | (FlagBase & { type: 'number'; default: number });

export type FlagTable = Record<string, FlagSpec>;

export type FlagValues<T extends FlagTable> = {
  [K in keyof T]: T[K] extends { type: 'boolean' } ? boolean : T[K] extends { type: 'number' } ? number : T[K] extends { default: string } ? string : string | undefined;
};

export type ParsedFlags<T extends FlagTable> = { ok: true; values: FlagValues<T> } | { ok: false; help: true } | { ok: false; help: false; error: string };

/** The --help text: one line (or more) per flag, with its environment variables and default. */
export function usage(program: string, table: FlagTable, footer = ''): string {
  const lines = [`usage: ${program} [flags]     (flags win over environment variables)`];
  for (const [name, spec] of Object.entries(table)) {
    const head = `  --${name}${spec.type === 'boolean' ? '' : ` ${spec.value ?? '<value>'}`}`;
    const env = spec.env?.length ? `${spec.env.join(' / ')}` : '';
    const dflt = spec.default !== undefined && spec.default !== '' ? ` (default ${String(spec.default)})` : '';
    const text = `${[env, spec.help].filter(Boolean).join(': ')}${dflt}`.split('\n');
    text.forEach((line, i) => lines.push(`${(i === 0 ? head : '').padEnd(32)}${line}`));
  }
  lines.push('  --help, -h                    this text', 'Flags take their value as "--flag value" or "--flag=value".');
  if (footer) lines.push(footer);
  return `${lines.join('\n')}\n`;
}

/** Reads argv against the table; anything unknown or malformed is an error, never ignored. */
export function parseFlags<T extends FlagTable>(table: T, argv: readonly string[], env: NodeJS.ProcessEnv): ParsedFlags<T> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
    for (const [name, spec] of Object.entries(table)) options[name] = { type: spec.type === 'boolean' ? 'boolean' : 'string' };
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (err) {
    return { ok: false, help: false, error: (err as Error).message };
  }
  if (parsed.values.help === true) return { ok: false, help: true };
  const out: Record<string, string | number | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(table)) {
    const given = parsed.values[name];
    const fromEnv = spec.env?.map((e) => env[e]).find((v) => v !== undefined && v !== '');
    const source = given !== undefined ? `--${name}` : fromEnv !== undefined ? (spec.env?.find((e) => env[e] === fromEnv) ?? name) : undefined;
    const raw = given ?? fromEnv;
    if (spec.type === 'boolean') {
      if (typeof raw === 'boolean') out[name] = raw;
      else if (raw === undefined) out[name] = spec.default ?? false;
      else if (raw === 'true' || raw === 'false') out[name] = raw === 'true';
      else return { ok: false, help: false, error: `${source}: expected true or false, got "${raw}"` };
    } else if (spec.type === 'number') {
      if (raw === undefined) out[name] = spec.default;
      else {
        const n = Number(raw);
        if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < 0) {
          return { ok: false, help: false, error: `${source}: expected a number >= 0, got "${String(raw)}"` };
        }
        out[name] = n;
      }
    } else {
      out[name] = typeof raw === 'string' ? raw : spec.default;
    }
  }
  return { ok: true, values: out as FlagValues<T> };
}

/** Parses the process's own flags: prints --help and exits 0, or the error and the usage and exits 2. */
export function processFlags<T extends FlagTable>(program: string, table: T, footer = ''): FlagValues<T> {
  const parsed = parseFlags(table, process.argv.slice(2), process.env);
  if (parsed.ok) return parsed.values;
  if (parsed.help) {
    process.stdout.write(usage(program, table, footer));
    process.exit(0);
  }
  return exitWithUsage(program, parsed.error, table, footer);
}

export function exitWithUsage(program: string, message: string, table: FlagTable, footer = ''): never {
  process.stderr.write(`${program}: ${message}\n\n${usage(program, table, footer)}`);
  process.exit(2);
}

/**
 * The kubeconfig: an explicit path, else $KUBECONFIG, else in-cluster, else ~/.kube/config,
 * read by the small reader. A kubeconfig it cannot serve (exec plugins, auth providers) falls
 * back to client-node, which costs ~70-80 MiB more resident memory.
 */
export async function loadKubeAccess(path: string | undefined, log: Logger): Promise<KubeEndpoint> {
  try {
    return LiteKubeConfig.load(path);
  } catch (err) {
    if (!(err instanceof UnsupportedKubeConfig)) throw new Error(`cannot read the kubeconfig${path ? ` ${path}` : ''}: ${(err as Error).message}`);
    log.info('the kubeconfig needs client-node; loading it', { reason: err.message });
    const { loadKubeConfig } = await import('../kube/kube-config.ts');
    return loadKubeConfig(path);
  }
}

/** A Registry with the process's default metrics (CPU, memory, event loop), for a binary's /metrics. */
export function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export interface HttpEndpoint {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves /metrics (Prometheus text from `registry`) and /healthz (200 while the process
 * answers at all: a liveness probe must not fail while the API server is away, which an edge
 * node rides out). Port 0 picks a free port.
 */
export async function serveMetrics(registry: Registry, port: number, host = '0.0.0.0'): Promise<HttpEndpoint> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/metrics') {
      registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else {
      res.writeHead(404).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** On the first SIGINT or SIGTERM: log, run `stop`, exit 0 (1 if it failed); a second signal exits at once. */
export function onStopSignals(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info('stopping', { signal });
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('stopping failed', { error: (err as Error).message });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}
