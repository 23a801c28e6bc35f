// Entry point of the controller Deployment:
//   tsx controller/main.ts [--kubeconfig FILE] [--identity NAME] [--namespace NS] ...
// Serves Prometheus metrics on --metrics-port, campaigns for the leader Lease, and exits
// cleanly (handing the Lease back) on SIGTERM or SIGINT.
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { LiteKubeConfig, UnsupportedKubeConfig } from '../lib/kube/lite-kube-config.ts';
import type { KubeEndpoint } from '../lib/kube/raw-request.ts';
import { Logger, type LogLevel } from '../lib/observability/logger.ts';
import { BrokerController } from './broker-controller.ts';

const usage = `usage: tsx controller/main.ts [flags]
  --kubeconfig FILE        kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)
  --identity NAME          this replica's name in the leader Lease (default: $POD_NAME or the hostname)
  --namespace NS           watch one namespace only (default: all)
  --lease-namespace NS     namespace of the leader Lease (default: $POD_NAMESPACE or "default")
  --lease-name NAME        name of the leader Lease (default: akri-controller)
  --lease-duration SEC     leader Lease duration (default: 15)
  --rollout-batch N        brokers of one Configuration replaced at once after an edit (default: 3)
  --lost-node-grace SEC    delete local Instances whose node stays lost this long (default: 300)
  --resync SEC             re-examine everything this often (default: 300)
  --metrics-port PORT      serve /metrics and /healthz on this port; 0 turns it off (default: 8080)
  --log-level LEVEL        debug, info, warn or error (default: info)`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

function parseFlags() {
  try {
    return parseArgs({
      options: {
        kubeconfig: { type: 'string' },
        identity: { type: 'string' },
        namespace: { type: 'string' },
        'lease-namespace': { type: 'string' },
        'lease-name': { type: 'string' },
        'lease-duration': { type: 'string' },
        'rollout-batch': { type: 'string' },
        'lost-node-grace': { type: 'string' },
        resync: { type: 'string' },
        'metrics-port': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    });
  } catch (err) {
    fail((err as Error).message);
  }
}
const { values } = parseFlags();
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

function seconds(flag: string, fallback: number): number {
  const raw = (values as Record<string, string | boolean | undefined>)[flag];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) fail(`--${flag} must be a non-negative number, got ${String(raw)}`);
  return n;
}

const level = (values['log-level'] ?? process.env.AKRI_LOG_LEVEL ?? 'info') as LogLevel;
if (!['debug', 'info', 'warn', 'error'].includes(level)) fail(`--log-level must be debug, info, warn or error, got ${level}`);
const identity = values.identity ?? process.env.POD_NAME ?? hostname();
const logger = new Logger({ component: 'controller', identity }, level);

// The small reader first: client-node's KubeConfig alone costs ~80 MiB of memory, which an
// edge cluster's controller should not pay unless its kubeconfig needs it (exec plugins...).
async function loadConfig(path: string | undefined): Promise<KubeEndpoint> {
  try {
    return LiteKubeConfig.load(path);
  } catch (err) {
    if (!(err instanceof UnsupportedKubeConfig)) throw err;
    logger.info('kubeconfig needs client-node; loading it', { reason: err.message });
    const { loadKubeConfig } = await import('../lib/kube/kube-config.ts');
    return loadKubeConfig(path);
  }
}

let kc: KubeEndpoint;
try {
  kc = await loadConfig(values.kubeconfig);
} catch (err) {
  fail(`cannot load the kubeconfig${values.kubeconfig ? ` ${values.kubeconfig}` : ''}: ${(err as Error).message}`);
}

const registry = new Registry();
collectDefaultMetrics({ register: registry });
const controller = new BrokerController({
  kc,
  identity,
  logger,
  registry,
  namespace: values.namespace,
  leaseNamespace: values['lease-namespace'] ?? process.env.POD_NAMESPACE ?? 'default',
  leaseName: values['lease-name'],
  leaseDurationMs: seconds('lease-duration', 15) * 1000,
  rolloutBatch: seconds('rollout-batch', 3),
  lostNodeGraceMs: seconds('lost-node-grace', 300) * 1000,
  resyncMs: seconds('resync', 300) * 1000,
});

const port = seconds('metrics-port', 8080);
const server =
  port > 0
    ? createServer((req, res) => {
        if (req.url === '/metrics') {
          registry
            .metrics()
            .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
            .catch((err: Error) => res.writeHead(500).end(err.message));
        } else if (req.url === '/healthz') {
          res.writeHead(200).end('ok');
        } else {
          res.writeHead(404).end();
        }
      }).listen(port, () => logger.info('serving metrics', { port }))
    : undefined;

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info('stopping', { signal });
  server?.close();
  await controller.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await controller.start();
logger.info('started', { namespace: values.namespace ?? '(all)' });
