// The controller's entry point: `akri-ts controller [flags]` (or `tsx controller/main.ts`).
// Its flags and their environment variables are the table below (`--help` prints them); the
// process shell (lib/process/process-shell.ts) does the parsing, the kubeconfig, /metrics,
// /healthz and signals. It campaigns for the leader Lease and hands it back on SIGTERM/SIGINT.
import { hostname } from 'node:os';
import { Logger, type LogLevel } from '../lib/observability/logger.ts';
import { exitWithUsage, loadKubeAccess, onStopSignals, processFlags, processRegistry, serveMetrics, type FlagTable } from '../lib/process/process-shell.ts';
import { systemClock } from '../lib/time/clock.ts';
import { BrokerController } from './broker-controller.ts';

const PROGRAM = 'akri-ts controller';
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const flags = {
  kubeconfig: { type: 'string', env: ['KUBECONFIG'], value: '<path>', help: 'the kubeconfig (default: in-cluster, then ~/.kube/config)' },
  identity: { type: 'string', env: ['POD_NAME'], value: '<name>', help: "this replica's name in the leader Lease (default: the hostname)" },
  namespace: { type: 'string', value: '<ns>', help: 'watch one namespace only (default: all)' },
  'lease-namespace': { type: 'string', env: ['POD_NAMESPACE'], value: '<ns>', default: 'default', help: 'namespace of the leader Lease' },
  'lease-name': { type: 'string', value: '<name>', default: 'akri-controller', help: 'name of the leader Lease' },
  'lease-duration': { type: 'number', value: '<s>', default: 15, help: 'leader Lease duration' },
  'rollout-batch': { type: 'number', value: '<n>', default: 3, help: 'brokers of one Configuration replaced at once after an edit' },
  'lost-node-grace': { type: 'number', value: '<s>', default: 300, help: 'delete local Instances whose node stays lost this long' },
  resync: { type: 'number', value: '<s>', default: 300, help: 're-examine everything this often' },
  'metrics-port': { type: 'number', env: ['METRICS_PORT'], value: '<port>', default: 8080, help: 'serve /metrics and /healthz on this port; 0 turns both off' },
  'log-level': { type: 'string', env: ['AKRI_LOG_LEVEL'], value: '<level>', default: 'info', help: 'debug, info, warn or error' },
  dra: {
    type: 'boolean',
    env: ['DRA_ENABLED'],
    help: 'for Configurations with deviceAllocation: DRA, write a DeviceClass each, the\nResourceSlices of shared devices and the brokers\' claim templates',
  },
} satisfies FlagTable;

const f = processFlags(PROGRAM, flags);
const level = f['log-level'] as LogLevel;
if (!LEVELS.includes(level)) exitWithUsage(PROGRAM, `--log-level must be debug, info, warn or error, got ${level}`, flags);
const identity = f.identity ?? hostname();
const logger = new Logger({ component: 'controller', identity }, level);

let kc;
try {
  kc = await loadKubeAccess(f.kubeconfig, logger);
} catch (err) {
  logger.error((err as Error).message);
  process.exit(2);
}

const registry = processRegistry();
const controller = new BrokerController({
  kc,
  identity,
  logger,
  registry,
  clock: systemClock,
  namespace: f.namespace,
  leaseNamespace: f['lease-namespace'],
  leaseName: f['lease-name'],
  leaseDurationMs: f['lease-duration'] * 1000,
  rolloutBatch: f['rollout-batch'],
  lostNodeGraceMs: f['lost-node-grace'] * 1000,
  resyncMs: f.resync * 1000,
  dra: f.dra,
});
const http = f['metrics-port'] > 0 ? await serveMetrics(registry, f['metrics-port']) : undefined;
if (http) logger.info('serving metrics', { port: http.port });
onStopSignals(logger, async () => {
  await http?.close();
  await controller.stop();
});
await controller.start();
logger.info('started', { namespace: f.namespace ?? '(all)' });
