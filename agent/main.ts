// The agent's entry point: `akri-ts agent [flags]` (or `tsx agent/main.ts`). Its flags and
// their environment variables are the table below (`--help` prints them); the process shell
// (lib/process/process-shell.ts) does the parsing, the kubeconfig, /metrics, /healthz and signals.
import { Logger } from '../lib/observability/logger.ts';
import type { DiscoveryHandler } from '../lib/discovery/handler.ts';
import { createHandler, HANDLER_NAMES } from '../discovery-handlers/registry.ts';
import { exitWithUsage, loadKubeAccess, onStopSignals, processFlags, processRegistry, type FlagTable } from '../lib/process/process-shell.ts';
import { systemClock } from '../lib/time/clock.ts';
import { Agent, DEFAULT_GRACE_PERIOD_SECONDS, DEFAULT_SLOT_RECLAIM_GRACE_MS } from './agent.ts';
import { DEFAULT_STALE_RESOURCE_GRACE_MS } from './device-plugin/stale-resources.ts';
import { parseNamespaceGrants } from './configuration/reference-policy.ts';

const PROGRAM = 'akri-ts agent';

const flags = {
  node: { type: 'string', env: ['NODE_NAME', 'AGENT_NODE_NAME'], value: '<name>', help: 'this node (required; from the downward API: spec.nodeName)' },
  'handlers-dir': { type: 'string', env: ['DISCOVERY_HANDLERS_DIRECTORY'], value: '<dir>', default: '/var/lib/akri', help: 'where handlers find agent-registration.sock' },
  kubeconfig: { type: 'string', env: ['KUBECONFIG'], value: '<path>', help: 'the kubeconfig (default: in-cluster, then ~/.kube/config)' },
  'metrics-port': { type: 'number', env: ['METRICS_PORT'], value: '<port>', default: 8080, help: 'serve /metrics and /healthz on this port; 0 turns both off' },
  'instance-grace-period': {
    type: 'number',
    env: ['INSTANCE_GRACE_PERIOD_SECONDS'],
    value: '<s>',
    default: DEFAULT_GRACE_PERIOD_SECONDS,
    help: 'seconds a vanished device keeps its Instance\n(a Configuration may set spec.instanceGracePeriodSeconds)',
  },
  namespace: { type: 'string', env: ['AGENT_NAMESPACE'], value: '<ns>', help: 'watch one namespace only (default: all namespaces)' },
  embed: { type: 'string', env: ['AGENT_EMBEDDED_HANDLERS'], value: '<names>', help: `handlers run inside the agent, comma-separated (default none):\nany of ${HANDLER_NAMES.join(', ')}` },
  'debug-echo-shared': { type: 'boolean', env: ['DEBUG_ECHO_INSTANCES_SHARED'], help: 'debugEcho reports shared devices' },
  'kubelet-dir': {
    type: 'string',
    env: ['KUBELET_DIR'],
    value: '<dir>',
    default: '/var/lib/kubelet',
    help: 'the kubelet\'s root; "none" serves no device plugins\n(MicroK8s: /var/snap/microk8s/common/var/lib/kubelet)',
  },
  'state-dir': { type: 'string', env: ['AGENT_STATE_DIR'], value: '<dir>', default: '/var/lib/akri/state', help: 'the node-local checkpoint (slot ledger and devices)' },
  'slot-reclaim-grace': {
    type: 'number',
    env: ['SLOT_RECLAIM_GRACE_SECONDS'],
    value: '<s>',
    default: DEFAULT_SLOT_RECLAIM_GRACE_MS / 1000,
    help: "a slot the kubelet's pod-resources no longer lists is freed after this long",
  },
  'slot-reclaim-poll': { type: 'number', env: ['SLOT_RECLAIM_POLL_SECONDS'], value: '<s>', default: 5, help: 'how often pod-resources is polled' },
  'stale-resource-grace': {
    type: 'number',
    env: ['STALE_RESOURCE_GRACE_SECONDS'],
    value: '<s>',
    default: DEFAULT_STALE_RESOURCE_GRACE_MS / 1000,
    help: "an akri.sh/* entry of this Node that no plugin serves and that read 0 this\nlong is removed (the kubelet keeps them at 0 forever); 0 never removes.\nKeep it above the kubelet's 5-minute endpoint grace.",
  },
  'allow-cross-namespace-references': {
    type: 'string',
    env: ['AGENT_CROSS_NAMESPACE_REFERENCES'],
    value: '<from>=<to>,...',
    help: 'a Configuration in namespace <from> (* = any) may read Secrets and ConfigMaps\nof <to> in discoveryProperties (default none: only its own namespace is read;\nother references are refused with an Event)',
  },
  dra: {
    type: 'boolean',
    env: ['DRA_ENABLED'],
    help: 'Dynamic Resource Allocation for Configurations with deviceAllocation: DRA:\nthis node\'s ResourceSlices and the kubelet DRA plugin of driver akri.sh\n(plugins_registry/ and plugins/akri.sh/ under --kubelet-dir)',
  },
  'cdi-dir': { type: 'string', env: ['CDI_DIR'], value: '<dir>', default: '/var/run/cdi', help: 'where the container runtime reads CDI spec files (DRA)' },
  'socket-group': {
    type: 'string',
    env: ['AGENT_SOCKET_GROUP'],
    value: '<gid>',
    help: "the group that owns the handlers directory (0750) and agent-registration.sock\n(0660), i.e. the group non-root handlers run with (default: the agent's own)",
  },
} satisfies FlagTable;
const FOOTER = '  AKRI_LOG_LEVEL                debug, info, warn or error (default info)';

const f = processFlags(PROGRAM, flags, FOOTER);
const nodeName = f.node;
if (!nodeName) exitWithUsage(PROGRAM, 'no node name: pass --node or set NODE_NAME (from the downward API: spec.nodeName)', flags, FOOTER);
const log = new Logger({ component: 'agent-main', node: nodeName });

// Handlers read their settings from the environment, as Akri's do.
if (f['debug-echo-shared']) process.env.DEBUG_ECHO_INSTANCES_SHARED = 'true';
const embedded: DiscoveryHandler[] = [];
for (const name of (f.embed ?? '').split(',').map((n) => n.trim()).filter(Boolean)) {
  try {
    embedded.push(await createHandler(name, { logger: new Logger({ component: 'agent', node: nodeName }), env: process.env }));
  } catch (err) {
    exitWithUsage(PROGRAM, `--embed ${name}: ${(err as Error).message}`, flags, FOOTER);
  }
}

const grants = parseNamespaceGrants(f['allow-cross-namespace-references'] ?? '');
if ('error' in grants) exitWithUsage(PROGRAM, `--allow-cross-namespace-references: ${grants.error}`, flags, FOOTER);
const socketGroupText = f['socket-group'];
const socketGroup = socketGroupText === undefined || socketGroupText === '' ? undefined : Number(socketGroupText);
if (socketGroup !== undefined && !(Number.isInteger(socketGroup) && socketGroup >= 0)) {
  exitWithUsage(PROGRAM, `--socket-group: expected a numeric group id, got "${socketGroupText ?? ''}"`, flags, FOOTER);
}

let kubeConfig;
try {
  kubeConfig = await loadKubeAccess(f.kubeconfig, log);
} catch (err) {
  log.error((err as Error).message);
  process.exit(2);
}

const agent = new Agent({
  nodeName,
  clock: systemClock,
  kubeletDir: f['kubelet-dir'] === 'none' ? undefined : f['kubelet-dir'],
  stateDir: f['state-dir'],
  slotReclaimGraceMs: f['slot-reclaim-grace'] * 1000,
  slotReclaimPollMs: f['slot-reclaim-poll'] * 1000,
  staleResourceGraceMs: f['stale-resource-grace'] * 1000,
  handlersDir: f['handlers-dir'],
  kubeConfig,
  logger: new Logger(),
  registry: processRegistry(),
  metricsPort: f['metrics-port'] > 0 ? f['metrics-port'] : undefined,
  defaultGracePeriodSeconds: f['instance-grace-period'],
  namespace: f.namespace,
  embeddedHandlers: embedded,
  namespaceGrants: grants,
  socketGroup,
  dra: f.dra ? { cdiDir: f['cdi-dir'] } : undefined,
});
onStopSignals(log, () => agent.stop());
try {
  await agent.start();
} catch (err) {
  log.error(`the agent could not start: ${(err as Error).message}`);
  process.exit(1);
}
log.info('started', { metricsPort: agent.metricsPort });
