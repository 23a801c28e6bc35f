// Which RBAC verbs the components need, proven rather than asserted: the chart is installed into
// an API server that keeps an audit log (and enforces OwnerReferencesPermissionEnforcement, as
// some distributions do), and the agents, the controller and the pre-delete hook then do every
// job they have with their own ServiceAccount tokens and nothing else: Instances come and go,
// slots are claimed, a stale Node resource is tidied, Events repeat, brokers (Pods, Jobs,
// Services) are made and removed, a node is lost, and the release is uninstalled. The audit log
// must then show every verb of every rule in the chart used, and no request refused.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.ts';
import { DebugEchoAvailability } from '../../discovery-handlers/debug-echo/availability.ts';
import { DebugEchoHandler } from '../../discovery-handlers/debug-echo/debug-echo-handler.ts';
import type { DiscoveryHandler } from '../../lib/discovery/handler.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { LiteKubeConfig } from '../../lib/kube/lite-kube-config.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { KubeletStandIn } from '../kubelet-stand-in/kubelet-stand-in.ts';
import { ChartProcess } from '../helm/chart-process.ts';
import { chartDir, helm, repoRoot, valueFlags } from '../helm/helm-cli.ts';
import { find, manifests, podSpec, type Manifest } from '../helm/rendered.ts';
import { serviceAccountCredentials, type ServiceAccountCredentials } from '../helm/service-account-kubeconfig.ts';
import { canIList } from '../helm/can-i-tables.ts';
import { usePrivateCluster } from './support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { TestKubelet } from './support/test-kubelet.ts';
import { agentIdentity, type AgentIdentity } from './support/agent-identities.ts';

// Short: device-plugin socket paths under it must fit a socket address (107 bytes).
const scratch = mkdtempSync(join(tmpdir(), 'akri-ra-'));
const auditLog = join(scratch, 'audit.log');
writeFileSync(
  join(scratch, 'audit-policy.yaml'),
  // Who did what to which resource, and the answer: for every ServiceAccount, nothing else.
  'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n    userGroups: ["system:serviceaccounts"]\n  - level: None\n',
);
const cluster = usePrivateCluster('rbac-audit', {
  apiserverArgs: [
    `--audit-policy-file=${join(scratch, 'audit-policy.yaml')}`,
    `--audit-log-path=${auditLog}`,
    '--audit-log-format=json',
    '--enable-admission-plugins=OwnerReferencesPermissionEnforcement',
  ],
});
const release = 'akri';
const nodeA = 'audit-a';
const nodeB = 'audit-b';
const helmEnv = { HELM_CACHE_HOME: join(scratch, 'helm/cache'), HELM_CONFIG_HOME: join(scratch, 'helm/config'), HELM_DATA_HOME: join(scratch, 'helm/data') };
const ns = () => cluster.namespace;
const akri = (plural: string) => `/apis/akri.sh/v0/namespaces/${ns()}/${plural}`;
const list = async <T>(path: string) => (await kubeRequest<{ items: T[] }>(cluster.kc, { method: 'GET', path })).items;
const log = new Logger({ test: true }, (process.env.AKRI_LOG_LEVEL as 'debug' | undefined) ?? 'error');

interface AgentNode {
  identity: AgentIdentity;
  local: DebugEchoAvailability;
  shared: DebugEchoAvailability;
  kubelet?: KubeletStandIn;
  agent?: Agent;
}

let rendered: Manifest[] = [];
let kubelets: TestKubelet;
let controller: ChartProcess | undefined;
let controllerCreds: ServiceAccountCredentials;
let cleanupCreds: ServiceAccountCredentials;
const nodes: Record<string, AgentNode> = {};

function values(): Record<string, unknown> {
  return {
    kubeletDir: join(scratch, 'kubelet'),
    agent: { handlersDir: join(scratch, 'akri'), stateDir: join(scratch, 'state'), metricsPort: 0, embeddedHandlers: ['debugEcho'], instanceGracePeriodSeconds: 1 },
    controller: { metricsPort: 0, leaseDurationSeconds: 5, lostNodeGraceSeconds: 2 },
    debugEcho: {
      configuration: {
        enabled: true,
        capacity: 1,
        discoveryDetails: { descriptions: ['local0'] },
        // Resolved in the Configuration's own namespace: the agent's Secret watch.
        discoveryProperties: [
          { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'echo-credentials', key: 'token' } } },
          { name: 'SITE', valueFrom: { configMapKeyRef: { name: 'site', key: 'name', optional: true } } },
        ],
        brokerPod: { image: { repository: 'docker.io/library/busybox', tag: 'stable' } },
      },
    },
    cleanupHook: { timeoutSeconds: 3 },
  };
}

async function startAgent(n: AgentNode): Promise<void> {
  const local = new DebugEchoHandler({ shared: false, availability: n.local, pollMs: 200 });
  const sharedInner = new DebugEchoHandler({ shared: true, availability: n.shared, pollMs: 200 });
  const sharedEcho: DiscoveryHandler = { name: 'sharedEcho', shared: true, discover: (req, signal) => sharedInner.discover(req, signal) };
  n.agent = new Agent({
    nodeName: n.identity.node,
    handlersDir: join(scratch, n.identity.node, 'handlers'),
    kubeConfig: n.identity.kc,
    logger: log,
    registry: new Registry(),
    namespace: ns(),
    defaultGracePeriodSeconds: 1,
    maxStreamBackoffMs: 1000,
    embeddedHandlers: [local, sharedEcho],
    ...(n.kubelet
      ? { kubeletDir: join(scratch, n.identity.node, 'kubelet'), stateDir: join(scratch, n.identity.node, 'state'), slotReclaimGraceMs: 2000, slotReclaimPollMs: 250, staleResourceGraceMs: 1000, staleResourcePollMs: 250 }
      : {}),
  });
  await n.agent.start();
}

interface AuditEvent {
  stage: string;
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string; apiGroup?: string; name?: string };
  responseStatus?: { code?: number; message?: string };
  requestURI: string;
}

function audit(): AuditEvent[] {
  return readFileSync(auditLog, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter((e) => e.stage === 'ResponseComplete' || (e.stage === 'ResponseStarted' && e.verb === 'watch'));
}

const resourceKey = (group: string | undefined, resource: string, sub?: string) => `${group || 'core'}/${resource}${sub ? `/${sub}` : ''}`;

/** verb + resource pairs each ServiceAccount's requests were authorized for (a 201 patch is an apply that created). */
function usedBy(events: AuditEvent[], user: string): Set<string> {
  const used = new Set<string>();
  for (const e of events) {
    if (e.user.username !== user || !e.objectRef?.resource || e.responseStatus?.code === 403) continue;
    const key = resourceKey(e.objectRef.apiGroup, e.objectRef.resource, e.objectRef.subresource);
    used.add(`${e.verb} ${key}`);
    if (e.verb === 'patch' && e.responseStatus?.code === 201) used.add(`create ${key}`);
  }
  return used;
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** Every verb + resource the chart grants a ServiceAccount, from the rendered roles and bindings. */
function grantedTo(all: Manifest[], serviceAccount: string): Set<string> {
  const granted = new Set<string>();
  const bindings = all.filter((m) => m.kind === 'ClusterRoleBinding' || m.kind === 'RoleBinding');
  for (const b of bindings) {
    const subjects = (b as unknown as { subjects: Array<{ name: string }> }).subjects;
    if (!subjects.some((s) => s.name === serviceAccount)) continue;
    const ref = (b as unknown as { roleRef: { kind: string; name: string } }).roleRef;
    const role = all.find((m) => m.kind === ref.kind && m.metadata.name === ref.name && (ref.kind === 'ClusterRole' || m.metadata.namespace === b.metadata.namespace));
    for (const r of (role as unknown as { rules: Rule[] } | undefined)?.rules ?? []) {
      for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) granted.add(`${v} ${resourceKey(g, ...(res.split('/') as [string, string?]))}`);
    }
  }
  return granted;
}

beforeAll(async () => {
  for (const d of ['kubelet/device-plugins', 'kubelet/pod-resources', 'akri', 'state']) mkdirSync(join(scratch, d), { recursive: true });
  const r = await helm(['install', release, chartDir, '--namespace', ns(), '--kubeconfig', cluster.kubeconfig, ...valueFlags(values())], { env: helmEnv });
  expect(r.code, r.stderr).toBe(0);
  rendered = manifests((await helm(['get', 'manifest', release, '--namespace', ns(), '--kubeconfig', cluster.kubeconfig], { env: helmEnv })).stdout);
  await cluster.core.createNamespacedSecret({ namespace: ns(), body: { metadata: { name: 'echo-credentials' }, stringData: { token: 's3cret' } } });
  // Ready nodes whose pods "run", as kubelets would have them.
  kubelets = new TestKubelet(cluster.kc, ns(), [nodeA, nodeB]);
  await kubelets.register();
  const creds = join(scratch, 'creds');
  mkdirSync(creds);
  for (const [node, withKubelet] of [[nodeA, true], [nodeB, false]] as const) {
    const identity = await agentIdentity(cluster.kc, cluster.kubeconfig, ns(), `${release}-akri-ts-agent`, node, creds);
    const n: AgentNode = { identity, local: new DebugEchoAvailability(), shared: new DebugEchoAvailability() };
    if (withKubelet) {
      n.kubelet = new KubeletStandIn({ kubeletDir: join(scratch, node, 'kubelet'), endpointGracePeriodMs: 1500, rpcTimeoutMs: 5000 });
      await n.kubelet.start();
    }
    nodes[node] = n;
  }
  controllerCreds = await serviceAccountCredentials(cluster.kc, cluster.kubeconfig, ns(), `${release}-akri-ts-controller`, creds);
  cleanupCreds = await serviceAccountCredentials(cluster.kc, cluster.kubeconfig, ns(), `${release}-akri-ts-cleanup`, creds);
}, 180_000);

afterAll(async () => {
  await controller?.stop();
  for (const n of Object.values(nodes)) {
    await n.agent?.stop();
    await n.kubelet?.stop();
  }
  await kubelets?.stop().catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
});

describe('the chart grants exactly what the components use', () => {
  it('kubectl auth can-i --list shows exactly the tables generated from the chart (docs/rbac.md)', async () => {
    const rows = async (user: string, namespace: string): Promise<Set<string>> => {
      const r = await cluster.kubectl(['auth', 'can-i', '--list', '--no-headers', `--as=system:serviceaccount:${ns()}:${user}`, '-n', namespace]);
      expect(r.code, r.stderr).toBe(0);
      return new Set(
        r.stdout
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => {
            const [resource = '', urls = '', names = '', ...verbs] = l.trim().split(/\s+/);
            return `${resource} ${urls} ${names} ${verbs.join(' ').replace(/^\[|\]$/g, '').split(' ').sort().join(' ')}`;
          }),
      );
    };
    for (const namespace of [ns(), 'default']) {
      // Rows every ServiceAccount has (self reviews, discovery) are not the chart's.
      const everyone = await rows('nobody', namespace);
      for (const component of ['agent', 'controller', 'cleanup']) {
        const sa = `${release}-akri-ts-${component}`;
        const actual = [...(await rows(sa, namespace))].filter((r) => !everyone.has(r)).sort();
        const generated = canIList(rendered, { name: sa, namespace: ns() }, namespace)
          .map((r) => `${r.resource} [] [${r.resourceName}] ${[...r.verbs].sort().join(' ')}`)
          .sort();
        expect(actual, `${component} in ${namespace}`).toEqual(generated);
      }
    }
  });

  it('agents and the controller bring Instances and brokers up with their own tokens', async () => {
    for (const n of Object.values(nodes)) await startAgent(n);
    const c = podSpec(find(rendered, 'Deployment', `${release}-akri-ts-controller`)).containers[0];
    controller = new ChartProcess('controller', [...(c?.args ?? []), '--kubeconfig', controllerCreds.kubeconfig], { POD_NAME: 'controller-0', POD_NAMESPACE: ns() });
    // A Configuration with a Job broker, and one whose handler never registers (its Event repeats).
    await kubeRequest(cluster.kc, {
      method: 'POST',
      path: akri('configurations'),
      body: {
        apiVersion: 'akri.sh/v0',
        kind: 'Configuration',
        metadata: { name: 'shared-cam' },
        spec: {
          discoveryHandler: { name: 'sharedEcho', discoveryDetails: 'descriptions: [cam0]' },
          capacity: 1,
          brokerSpec: { brokerJobSpec: { template: { spec: { containers: [{ name: 'b', image: 'docker.io/library/busybox:stable' }], restartPolicy: 'OnFailure' } } } },
        },
      },
    });
    await kubeRequest(cluster.kc, {
      method: 'POST',
      path: akri('configurations'),
      body: { apiVersion: 'akri.sh/v0', kind: 'Configuration', metadata: { name: 'ghost' }, spec: { discoveryHandler: { name: 'nobody', discoveryDetails: '' } } },
    });
    const instances = await eventually(async () => {
      const found = await list<Instance>(akri('instances'));
      expect(found.filter((i) => i.spec.configurationName === 'akri-debug-echo').map((i) => i.spec.nodes)).toHaveLength(2);
      expect(found.find((i) => i.spec.configurationName === 'shared-cam')?.spec.nodes?.sort(), controller?.logs).toEqual([nodeA, nodeB]);
      return found;
    }, 60_000);
    // What the nodes' kubelets would advertise, so that the scheduler can place the brokers.
    await kubelets.advertise(Object.fromEntries(instances.map((i) => [`akri.sh/${i.metadata.name ?? ''}`, '1'])));
    await eventually(async () => {
      expect(await list(`/api/v1/namespaces/${ns()}/pods?labelSelector=akri.sh/configuration=akri-debug-echo`), controller?.logs).toHaveLength(2);
      expect(await list(`/apis/batch/v1/namespaces/${ns()}/jobs`), controller?.logs).toHaveLength(1);
      expect((await list<{ metadata: { name: string } }>(`/api/v1/namespaces/${ns()}/services`)).map((s) => s.metadata.name)).toContain('akri-debug-echo-svc');
    }, 60_000);
  }, 120_000);

  it("agent A claims a slot, tidies a stale resource of its Node, and repeats an Event after a restart", async () => {
    const a = nodes[nodeA] as AgentNode;
    const mine = (await list<Instance>(akri('instances'))).find((i) => i.spec.configurationName === 'akri-debug-echo' && i.spec.nodes?.includes(nodeA));
    const resource = `akri.sh/${mine?.metadata.name ?? ''}`;
    await a.kubelet?.waitFor(() => a.kubelet?.capacity()[resource]?.allocatable === 1, 30_000, `${resource} served`);
    const admitted = await a.kubelet?.admitPod({ uid: 'claim-1', name: 'claim-1', namespace: ns(), containers: [{ name: 'c', requests: { [resource]: 1 } }] });
    expect(admitted?.admitted).toBe(true);
    await eventually(async () => {
      const i = await kubeRequest<Instance>(cluster.kc, { method: 'GET', path: `${akri('instances')}/${mine?.metadata.name ?? ''}` });
      expect(Object.values(i.spec.deviceUsage ?? {})).toContain(nodeA);
    });
    await kubeRequest(cluster.kc, { method: 'PATCH', path: `/api/v1/nodes/${nodeA}/status`, contentType: 'application/merge-patch+json', body: { status: { capacity: { 'akri.sh/gone-x': '0' }, allocatable: { 'akri.sh/gone-x': '0' } } } });
    await eventually(async () => {
      const node = await kubeRequest<{ status: { capacity: Record<string, string> } }>(cluster.kc, { method: 'GET', path: `/api/v1/nodes/${nodeA}` });
      expect(node.status.capacity['akri.sh/gone-x']).toBeUndefined();
    }, 30_000);
    await a.agent?.stop();
    await startAgent(a);
    await eventually(async () => {
      const events = await list<{ reason: string; count?: number; involvedObject: { name: string }; source: { host?: string } }>(`/api/v1/namespaces/${ns()}/events`);
      const waiting = events.filter((e) => e.involvedObject.name === 'ghost' && e.reason === 'WaitingForHandler' && e.source.host === nodeA);
      expect(waiting.map((e) => e.count)).toEqual([2]);
    }, 30_000);
  }, 120_000);

  it('the controller recreates a deleted broker (a repeated Event), and cannot without the finalizers verbs', async () => {
    const brokerOfA = async () =>
      (await list<{ metadata: { name: string }; spec: { nodeName?: string; affinity?: unknown } }>(`/api/v1/namespaces/${ns()}/pods?labelSelector=akri.sh/configuration=akri-debug-echo`)).find((p) => JSON.stringify(p.spec).includes(nodeA));
    const forceDelete = async () => {
      const pod = await eventually(async () => {
        const p = await brokerOfA();
        expect(p).toBeDefined();
        return p;
      }, 30_000);
      await kubeRequest(cluster.kc, { method: 'DELETE', path: `/api/v1/namespaces/${ns()}/pods/${pod?.metadata.name ?? ''}`, body: { gracePeriodSeconds: 0 } });
    };
    await forceDelete();
    await forceDelete();
    await eventually(async () => {
      const events = await list<{ reason: string; count?: number }>(`/api/v1/namespaces/${ns()}/events`);
      expect(events.filter((e) => e.reason === 'BrokerRecreated').map((e) => e.count ?? 1).reduce((x, y) => Math.max(x, y), 0), controller?.logs).toBeGreaterThanOrEqual(2);
    }, 60_000);
    // Without update on instances/finalizers, a broker Pod that blocks its Instance's deletion
    // (blockOwnerDeletion) is refused by OwnerReferencesPermissionEnforcement.
    const role = `/apis/rbac.authorization.k8s.io/v1/clusterroles/${release}-akri-ts-controller`;
    const full = await kubeRequest<{ rules: Rule[] }>(cluster.kc, { method: 'GET', path: role });
    const before = audit().length;
    await kubeRequest(cluster.kc, { method: 'PATCH', path: role, contentType: 'application/merge-patch+json', body: { rules: full.rules.filter((r) => !r.resources.some((x) => x.endsWith('/finalizers'))) } });
    await forceDelete();
    const refused = await eventually(() => {
      const found = audit().slice(before).find((e) => e.user.username.endsWith(':akri-akri-ts-controller') && e.verb === 'create' && e.objectRef?.resource === 'pods' && e.responseStatus?.code === 403);
      expect(found, controller?.logs).toBeDefined();
      return found;
    }, 30_000);
    expect(refused?.responseStatus?.message).toMatch(/cannot set blockOwnerDeletion/);
    await kubeRequest(cluster.kc, { method: 'PATCH', path: role, contentType: 'application/merge-patch+json', body: { rules: full.rules } });
    await eventually(async () => expect(await brokerOfA(), controller?.logs).toBeDefined(), 60_000);
    // Only now are 403s expected to be absent again.
    auditSkip.push([before, audit().length]);
  }, 180_000);

  it('an edited Job broker is replaced', async () => {
    const jobs = async () => (await list<{ metadata: { name: string; deletionTimestamp?: string } }>(`/apis/batch/v1/namespaces/${ns()}/jobs`)).filter((j) => !j.metadata.deletionTimestamp).map((j) => j.metadata.name);
    const [before] = await jobs();
    await kubeRequest(cluster.kc, {
      method: 'PATCH',
      path: `${akri('configurations')}/shared-cam`,
      contentType: 'application/merge-patch+json',
      body: { spec: { brokerSpec: { brokerJobSpec: { template: { spec: { containers: [{ name: 'b', image: 'docker.io/library/busybox:musl' }], restartPolicy: 'OnFailure' } } } } } },
    });
    await eventually(async () => {
      const now = await jobs();
      expect(now, controller?.logs).toHaveLength(1);
      expect(now[0]).not.toBe(before);
    }, 60_000);
  }, 120_000);

  it('a lost node is patched out and its local Instance deleted; gone devices take their brokers with them', async () => {
    const b = nodes[nodeB] as AgentNode;
    await b.agent?.stop();
    b.agent = undefined;
    await kubelets.takeDown(nodeB);
    await kubeRequest(cluster.kc, { method: 'DELETE', path: `/api/v1/nodes/${nodeB}` });
    await eventually(async () => {
      const instances = await list<Instance>(akri('instances'));
      expect(instances.find((i) => i.spec.configurationName === 'shared-cam')?.spec.nodes, controller?.logs).toEqual([nodeA]);
      // Deleted by the controller once the grace has passed (gone, or held by a finalizer).
      const bLocal = instances.find((i) => i.spec.configurationName === 'akri-debug-echo' && i.spec.nodes?.includes(nodeB));
      expect(bLocal === undefined || bLocal.metadata.deletionTimestamp !== undefined, controller?.logs).toBe(true);
    }, 60_000);
    const a = nodes[nodeA] as AgentNode;
    a.local.setOffline();
    a.shared.setOffline();
    await eventually(async () => {
      const names = async (path: string) => (await list<{ metadata: { name: string; deletionTimestamp?: string } }>(path)).filter((o) => !o.metadata.deletionTimestamp).map((o) => o.metadata.name);
      expect(await names(akri('instances'))).toEqual([]);
      // Services go with their brokers; a Job goes with its Instance (garbage collection), which
      // node B's finalizer holds until the hook.
      expect(await names(`/api/v1/namespaces/${ns()}/services`), controller?.logs).toEqual([]);
    }, 60_000);
  }, 150_000);

  it('the pre-delete hook removes everything, with its own token', async () => {
    const out = await promisify(execFile)(process.execPath, [join(repoRoot, 'helm/files/pre-delete-cleanup.mjs')], {
      env: { ...process.env, API_SERVER: cleanupCreds.server, TOKEN_FILE: cleanupCreds.tokenFile, CA_FILE: cleanupCreds.caFile, NAMESPACE: ns(), TIMEOUT_SECONDS: '3' },
      timeout: 60_000,
    });
    expect(out.stdout).toContain('"msg":"done"');
    await eventually(async () => expect(await list(akri('configurations'))).toEqual([]), 30_000);
    await eventually(async () => expect(await list(akri('instances'))).toEqual([]), 30_000);
    // Brokers were owned by the Instances: garbage collection takes the last Job.
    await eventually(async () => expect(await list(`/apis/batch/v1/namespaces/${ns()}/jobs`)).toEqual([]), 60_000);
  }, 120_000);

  it('the audit log shows every granted verb used, and nothing refused', async () => {
    const events = audit().filter((_, i) => !auditSkip.some(([from, to]) => i >= from && i < to));
    // Authorization checks that are not requests of their own: OwnerReferencesPermissionEnforcement
    // asks for them when a broker is created (their need is shown above).
    const checksOnly = new Set(['update akri.sh/instances/finalizers', 'update akri.sh/configurations/finalizers']);
    const report: string[] = [];
    for (const component of ['agent', 'controller', 'cleanup']) {
      const sa = `${release}-akri-ts-${component}`;
      const user = `system:serviceaccount:${ns()}:${sa}`;
      const refused = events.filter((e) => e.user.username === user && e.responseStatus?.code === 403);
      expect(refused.map((e) => `${e.verb} ${e.requestURI}: ${e.responseStatus?.message ?? ''}`), component).toEqual([]);
      const used = usedBy(events, user);
      const granted = grantedTo(rendered, sa);
      expect(granted.size, component).toBeGreaterThan(0);
      const unused = [...granted].filter((g) => !used.has(g) && !(component === 'controller' && checksOnly.has(g))).sort();
      expect(unused, `${component} is granted verbs it never used`).toEqual([]);
      report.push(`${component}: ${[...granted].sort().join(', ')}`);
    }
    expect(report).toHaveLength(3);
  });
});

const auditSkip: Array<[number, number]> = [];
