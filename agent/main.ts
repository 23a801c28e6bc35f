// The agent's entry point: `akri-ts agent [flags]` (or `tsx agent/main.ts`). The flags and
// their environment variables are listed in `usage` below (`--help`).
import { Registry } from 'prom-client';
import { Logger } from '../lib/observability/logger.ts';
import type { DiscoveryHandler } from '../lib/discovery/handler.ts';
import { createHandler } from '../discovery-handlers/registry.ts';
import type { KubeAccess } from '../lib/kube/raw-request.ts';
import { Agent, DEFAULT_GRACE_PERIOD_SECONDS, DEFAULT_SLOT_RECLAIM_GRACE_MS } from './agent.ts';
import { LiteKubeConfig, UnsupportedKubeConfig } from '../lib/kube/lite-kube-config.ts';
import { DEFAULT_STALE_RESOURCE_GRACE_MS } from './device-plugin/stale-resources.ts';
import { parseNamespaceGrants } from './configuration/reference-policy.ts';

const BOOLEAN_FLAGS = new Set(['debug-echo-shared', 'help']);
const VALUE_FLAGS = new Set([
  'node', 'handlers-dir', 'kubeconfig', 'metrics-port', 'instance-grace-period', 'namespace', 'embed',
  'kubelet-dir', 'state-dir', 'slot-reclaim-grace', 'slot-reclaim-poll', 'stale-resource-grace',
  'allow-cross-namespace-references', 'socket-group',
]);

/** Reads `--name value` and `--name=value`; anything unknown is a usage error, not ignored. */
function parseFlags(argv: string[]): Map<string, string> | string {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-h') {
      flags.set('help', 'true');
      continue;
    }
    if (!arg.startsWith('--')) return `unexpected argument "${arg}"`;
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (BOOLEAN_FLAGS.has(name)) {
      flags.set(name, eq < 0 ? 'true' : arg.slice(eq + 1));
    } else if (VALUE_FLAGS.has(name)) {
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || (eq < 0 && value.startsWith('--'))) return `--${name} needs a value`;
      flags.set(name, value);
    } else {
      return `unknown flag --${name}`;
    }
  }
  return flags;
}

const usage = `usage: akri-ts agent [flags]     (flags win over environment variables)
  --node <name>                 NODE_NAME / AGENT_NODE_NAME (required)
  --handlers-dir <dir>          DISCOVERY_HANDLERS_DIRECTORY (default /var/lib/akri)
  --socket-group <gid>          AGENT_SOCKET_GROUP (default: the agent's own group): the group that
                                owns the handlers directory (0750) and agent-registration.sock
                                (0660), i.e. the group non-root handlers run with
  --kubeconfig <path>           KUBECONFIG (default: in-cluster, then ~/.kube/config)
  --metrics-port <port>         METRICS_PORT (default 8080; 0 = any free port)
  --instance-grace-period <s>   INSTANCE_GRACE_PERIOD_SECONDS (default 60)
  --namespace <ns>              AGENT_NAMESPACE (default: all namespaces)
  --embed <names>               AGENT_EMBEDDED_HANDLERS, comma-separated (default none): any of
                                debugEcho, onvif, opcua, udev, modbus, modbusRtu, ble
  --debug-echo-shared           DEBUG_ECHO_INSTANCES_SHARED=true
  --kubelet-dir <dir>           KUBELET_DIR (default /var/lib/kubelet; MicroK8s:
                                /var/snap/microk8s/common/var/lib/kubelet); "none" serves no
                                device plugins
  --state-dir <dir>             AGENT_STATE_DIR (default /var/lib/akri/state): the slot
                                ledger's node-local checkpoint
  --slot-reclaim-grace <s>      SLOT_RECLAIM_GRACE_SECONDS (default 30): a slot the kubelet's
                                pod-resources no longer lists is freed after this long
  --slot-reclaim-poll <s>       SLOT_RECLAIM_POLL_SECONDS (default 5)
  --stale-resource-grace <s>    STALE_RESOURCE_GRACE_SECONDS (default 330): an akri.sh/* entry
                                of this Node that no plugin serves and that read 0 this long is
                                removed (the kubelet keeps them at 0 forever); 0 never removes.
                                Keep it above the kubelet's 5-minute endpoint grace.
  --allow-cross-namespace-references <from>=<to>,...
                                AGENT_CROSS_NAMESPACE_REFERENCES (default none): a Configuration
                                in namespace <from> (* = any) may read Secrets and ConfigMaps of
                                <to> in discoveryProperties. Without a grant only its own
                                namespace is read; other references are refused with an Event.
  AKRI_LOG_LEVEL                debug, info, warn or error (default info)
Flags take their value as "--flag value" or "--flag=value".
`;
const parsed = parseFlags(process.argv.slice(2));
if (typeof parsed === 'string') {
  process.stderr.write(`akri-ts agent: ${parsed}\n\n${usage}`);
  process.exit(2);
}
if (parsed.has('help')) {
  process.stdout.write(usage);
  process.exit(0);
}
const flag = (name: string): string | undefined => parsed.get(name);

const log = new Logger({ component: 'agent-main' });
const nodeName = flag('node') ?? process.env.NODE_NAME ?? process.env.AGENT_NODE_NAME;
if (!nodeName) {
  log.error('no node name: pass --node or set NODE_NAME (from the downward API: spec.nodeName)');
  process.exit(2);
}
const embedNames = (flag('embed') ?? process.env.AGENT_EMBEDDED_HANDLERS ?? '').split(',').map((n) => n.trim()).filter(Boolean);
if (flag('debug-echo-shared') === 'true') process.env.DEBUG_ECHO_INSTANCES_SHARED = 'true';
const embedded: DiscoveryHandler[] = [];
for (const name of embedNames) {
  try {
    embedded.push(await createHandler(name, { logger: new Logger({ component: 'agent', node: nodeName }), env: process.env }));
  } catch (err) {
    log.error(`--embed ${name}: ${(err as Error).message}`);
    process.exit(2);
  }
}
async function kubeAccess(path: string | undefined): Promise<KubeAccess> {
  try {
    return LiteKubeConfig.load(path);
  } catch (err) {
    if (!(err instanceof UnsupportedKubeConfig)) {
      log.error(`cannot read the kubeconfig${path ? ` ${path}` : ''}: ${(err as Error).message}`);
      process.exit(2);
    }
    // Exec plugins and the like: client-node knows them all, at ~70 MiB more RSS.
    log.info('using client-node to read the kubeconfig', { reason: err.message });
    const { loadKubeConfig } = await import('../lib/kube/kube-config.ts');
    return loadKubeConfig(path);
  }
}

const kubeletDir = flag('kubelet-dir') ?? process.env.KUBELET_DIR ?? '/var/lib/kubelet';
const seconds = (name: string, env: string, fallback: number): number => {
  const raw = flag(name) ?? process.env[env];
  const v = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(v) || v < 0) {
    log.error(`--${name}: expected a number of seconds >= 0, got "${raw ?? ''}"`);
    process.exit(2);
  }
  return v;
};
const grants = parseNamespaceGrants(flag('allow-cross-namespace-references') ?? process.env.AGENT_CROSS_NAMESPACE_REFERENCES ?? '');
if ('error' in grants) {
  log.error(`--allow-cross-namespace-references: ${grants.error}`);
  process.exit(2);
}
const socketGroupText = flag('socket-group') ?? process.env.AGENT_SOCKET_GROUP;
const socketGroup = socketGroupText === undefined || socketGroupText === '' ? undefined : Number(socketGroupText);
if (socketGroup !== undefined && !(Number.isInteger(socketGroup) && socketGroup >= 0)) {
  log.error(`--socket-group: expected a numeric group id, got "${socketGroupText ?? ''}"`);
  process.exit(2);
}
const agent = new Agent({
  kubeletDir: kubeletDir === 'none' ? undefined : kubeletDir,
  stateDir: flag('state-dir') ?? process.env.AGENT_STATE_DIR ?? '/var/lib/akri/state',
  slotReclaimGraceMs: seconds('slot-reclaim-grace', 'SLOT_RECLAIM_GRACE_SECONDS', DEFAULT_SLOT_RECLAIM_GRACE_MS / 1000) * 1000,
  slotReclaimPollMs: seconds('slot-reclaim-poll', 'SLOT_RECLAIM_POLL_SECONDS', 5) * 1000,
  staleResourceGraceMs: seconds('stale-resource-grace', 'STALE_RESOURCE_GRACE_SECONDS', DEFAULT_STALE_RESOURCE_GRACE_MS / 1000) * 1000,
  nodeName,
  handlersDir: flag('handlers-dir') ?? process.env.DISCOVERY_HANDLERS_DIRECTORY ?? '/var/lib/akri',
  kubeConfig: await kubeAccess(flag('kubeconfig')),
  logger: new Logger(),
  registry: new Registry(),
  metricsPort: Number(flag('metrics-port') ?? process.env.METRICS_PORT ?? 8080),
  defaultGracePeriodSeconds: Number(flag('instance-grace-period') ?? process.env.INSTANCE_GRACE_PERIOD_SECONDS ?? DEFAULT_GRACE_PERIOD_SECONDS),
  namespace: flag('namespace') ?? process.env.AGENT_NAMESPACE,
  embeddedHandlers: embedded,
  namespaceGrants: grants,
  socketGroup,
});
try {
  await agent.start();
} catch (err) {
  log.error(`the agent could not start: ${(err as Error).message}`);
  process.exit(1);
}
log.info('metrics', { port: agent.metricsPort });
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => void agent.stop().then(() => process.exit(0)));
}
