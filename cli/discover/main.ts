// `akri-ts discover`: preview what a Configuration would find, before applying it. Runs the
// handler in this process (no cluster, no agent) and prints devices, properties and names.
import { readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { format, parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { Logger } from '../../lib/observability/logger.ts';
import { YAML_LIMITS, yamlShapeRefusal } from '../../lib/discovery/bounded-yaml.ts';
import { createHandler, HANDLER_NAMES } from '../../discovery-handlers/registry.ts';
import { discoverOnce, formatPreview } from './discover-once.ts';

/** As `akri-ts validate`: no Configuration file comes near it. */
const MAX_INPUT_BYTES = 1024 * 1024;

const usage = `usage: akri-ts discover --handler <name> --details <file> [flags]
       akri-ts discover --config <configuration.yaml> [flags]

Runs a discovery handler once on this machine and prints the devices it finds, with their
properties and the Instance names they would get. Nothing is written to any cluster.

flags:
  --handler <name>       ${HANDLER_NAMES.join(', ')}
  --details <file>       the discoveryDetails text (YAML), as in spec.discoveryHandler.discoveryDetails
  --config <file>        take handler, details, literal discoveryProperties and the name from a
                         Configuration instead (valueFrom properties are left unset)
  --name <name>          Configuration name for the Instance names (default: from --config, else "preview")
  --node <name>          node name for devices only this node can reach (default: this host, ${hostname()})
  --property k=v         a discoveryProperty value; repeatable
  --timeout <seconds>    stop discovery after this long (default 30): the first round's devices found
                         so far are shown, marked incomplete; nothing found is exit status 1
  --output text|json     text (default) or JSON for scripts
  -h, --help             this help

environment: the handler's own settings (e.g. DEBUG_ECHO_INSTANCES_SHARED, UDEV_DEVICE_SOURCE;
see discovery-handlers/<name>/README.md); AKRI_LOG_LEVEL for the handler's logs on stderr
(default warn).
exit status: 0 done (even with no devices), 1 invalid details or timeout, 2 usage error
`;

interface FromConfiguration {
  handler?: string;
  details: string;
  name?: string;
  properties: Record<string, Buffer | undefined>;
}

function readConfiguration(text: string): FromConfiguration {
  // The same bounds as for any YAML from elsewhere (lib/discovery/bounded-yaml.ts).
  const refusal = yamlShapeRefusal(text, 150_000);
  if (refusal) throw new Error(`line ${refusal.line}: ${refusal.message}`);
  const doc = parseYaml(text, { maxAliasCount: YAML_LIMITS.aliases, uniqueKeys: false }) as { metadata?: { name?: string }; spec?: { discoveryHandler?: { name?: string; discoveryDetails?: string; discoveryProperties?: { name: string; value?: string }[] } } } | null;
  const info = doc?.spec?.discoveryHandler;
  const properties: Record<string, Buffer | undefined> = {};
  for (const p of info?.discoveryProperties ?? []) properties[p.name] = p.value === undefined ? undefined : Buffer.from(p.value);
  return { handler: info?.name, details: info?.discoveryDetails ?? '', name: doc?.metadata?.name, properties };
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        handler: { type: 'string' },
        details: { type: 'string' },
        config: { type: 'string' },
        name: { type: 'string' },
        node: { type: 'string', default: hostname() },
        property: { type: 'string', multiple: true, default: [] },
        timeout: { type: 'string', default: '30' },
        output: { type: 'string', default: 'text' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`akri-ts discover: ${(err as Error).message}\n${usage}`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(usage);
    return 0;
  }
  const fail = (message: string, status = 2) => {
    process.stderr.write(`akri-ts discover: ${message}\n`);
    return status;
  };
  let from: FromConfiguration = { details: '', properties: {} };
  try {
    for (const file of [v.config, v.details]) {
      if (file && (await stat(file)).size > MAX_INPUT_BYTES) throw new Error(`larger than ${MAX_INPUT_BYTES} bytes`);
    }
    if (v.config) from = readConfiguration(await readFile(v.config, 'utf8'));
    if (v.details) from.details = await readFile(v.details, 'utf8');
  } catch (err) {
    return fail(`cannot read ${v.config ?? v.details}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const handlerName = v.handler ?? from.handler;
  if (!handlerName) return fail(`give --handler <name> (one of ${HANDLER_NAMES.join(', ')}) or --config <file>\n\n${usage}`);
  if (!HANDLER_NAMES.includes(handlerName)) return fail(`unknown handler "${handlerName}"; akri-ts ships ${HANDLER_NAMES.join(', ')}`);
  if (!v.config && !v.details) return fail('give --details <file> with the discoveryDetails, or --config <configuration.yaml>');
  for (const kv of v.property) {
    const eq = kv.indexOf('=');
    if (eq < 1) return fail(`--property ${kv}: expected name=value`);
    from.properties[kv.slice(0, eq)] = Buffer.from(kv.slice(eq + 1));
  }
  const timeout = Number(v.timeout);
  if (!(timeout > 0)) return fail(`--timeout ${v.timeout}: expected a number of seconds`);
  if (v.output !== 'text' && v.output !== 'json') return fail(`--output ${v.output}: expected text or json`);

  // node-opcua and friends print diagnostics with console.log; stdout is for the answer alone,
  // so `--output json | jq` works.
  for (const method of ['log', 'info', 'warn', 'debug'] as const) {
    console[method] = (...args: unknown[]) => void process.stderr.write(`${format(...args)}\n`);
  }
  const level = (process.env.AKRI_LOG_LEVEL as 'debug' | 'info' | 'warn' | 'error' | undefined) ?? 'warn';
  const logger = new Logger({ component: 'discover' }, level);
  try {
    const handler = await createHandler(handlerName, { logger, env: process.env });
    const preview = await discoverOnce(handler, {
      details: from.details,
      properties: from.properties,
      node: v.node,
      configuration: v.name ?? from.name ?? 'preview',
      timeoutMs: timeout * 1000,
    });
    process.stdout.write(v.output === 'json' ? `${JSON.stringify(preview, null, 2)}\n` : formatPreview(preview));
    return 0;
  } catch (err) {
    return fail((err as Error).message, 1);
  }
}
