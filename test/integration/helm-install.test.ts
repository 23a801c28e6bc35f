// `helm install` into the real test control plane, then the chart's agent and controller run
// as processes with exactly the rendered command lines and their own ServiceAccount tokens
// (TokenRequest API; no kubelet runs pods here). They do their jobs, which proves the chart's
// RBAC is enough; access reviews prove it is not more. Uninstall: the pre-delete hook's
// program runs as a process with the hook's ServiceAccount (a Job needs a kubelet), then
// `helm uninstall --no-hooks`; nothing akri.sh is left, and no finalizer.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import type { Configuration } from '../../lib/crd/configuration.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { usePrivateCluster } from './support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { deleteNode, registerReadyNode } from './support/nodes.ts';
import { ChartProcess } from '../helm/chart-process.ts';
import { chartDir, helm, repoRoot, valueFlags } from '../helm/helm-cli.ts';
import { find, manifests, podSpec } from '../helm/rendered.ts';
import { serviceAccountCredentials, type ServiceAccountCredentials } from '../helm/service-account-kubeconfig.ts';
import { agentIdentity } from './support/agent-identities.ts';

// A control plane of its own: `helm install` must be what creates the CRDs, and the shared
// plane's CRDs cannot be deleted while other files' objects (with finalizers) still exist.
const cluster = usePrivateCluster('helm', { scheduler: false });
const release = 'akri';
const node = `helm-node-${randomBytes(3).toString('hex')}`;
const scratch = mkdtempSync(join(tmpdir(), 'akri-ts-helm-'));
const helmEnv = { HELM_CACHE_HOME: join(scratch, 'helm/cache'), HELM_CONFIG_HOME: join(scratch, 'helm/config'), HELM_DATA_HOME: join(scratch, 'helm/data') };
const running: ChartProcess[] = [];

const akri = (plural: string) => `/apis/akri.sh/v0/namespaces/${cluster.namespace}/${plural}`;
const list = async <T>(path: string) => (await kubeRequest<{ items: T[] }>(cluster.kc, { method: 'GET', path })).items;

function values(): Record<string, unknown> {
  return {
    // Host paths of a real node become scratch directories of this test.
    kubeletDir: join(scratch, 'kubelet'),
    agent: { handlersDir: join(scratch, 'akri'), stateDir: join(scratch, 'state'), metricsPort: 0, embeddedHandlers: ['debugEcho'], instanceGracePeriodSeconds: 1 },
    controller: { metricsPort: 0, leaseDurationSeconds: 5 },
    debugEcho: {
      discovery: { shared: false },
      configuration: {
        enabled: true,
        capacity: 1,
        discoveryDetails: { descriptions: ['foo0'] },
        // Resolving this needs the agent's Secret access in the release namespace.
        discoveryProperties: [{ name: 'ECHO_TOKEN', valueFrom: { secretKeyRef: { name: 'echo-credentials', namespace: cluster.namespace, key: 'token' } } }],
        brokerPod: { image: { repository: 'docker.io/library/busybox', tag: 'stable' } } },
    },
    cleanupHook: { timeoutSeconds: 20 },
  };
}

async function canI(serviceAccount: string, ...args: string[]): Promise<string> {
  const r = await cluster.kubectl(['auth', 'can-i', ...args, '--as', `system:serviceaccount:${cluster.namespace}:${serviceAccount}`]);
  return r.stdout.trim();
}

let agentCreds: ServiceAccountCredentials;
let controllerCreds: ServiceAccountCredentials;
let cleanupCreds: ServiceAccountCredentials;

beforeAll(async () => {
  for (const d of ['kubelet/device-plugins', 'kubelet/pod-resources', 'akri', 'state']) mkdirSync(join(scratch, d), { recursive: true });
  await registerReadyNode(cluster.kc, node);
  await cluster.core.createNamespacedSecret({ namespace: cluster.namespace, body: { metadata: { name: 'echo-credentials' }, stringData: { token: 's3cret' } } });
});

afterAll(async () => {
  for (const p of running) await p.stop();
  await helm(['uninstall', release, '--namespace', cluster.namespace, '--kubeconfig', cluster.kubeconfig, '--no-hooks'], { env: helmEnv }).catch(() => undefined);
  await deleteNode(cluster.kc, node).catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
});

describe('helm install into a real API server', () => {
  it('creates the CRDs, the RBAC, the DaemonSet and the Deployment', async () => {
    // The private control plane has no CRDs yet: helm's own crds/ step creates them.
    const crdPath = (name: string) => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`;
    const crds = ['configurations.akri.sh', 'instances.akri.sh'];
    for (const crd of crds) await expect(kubeRequest(cluster.kc, { method: 'GET', path: crdPath(crd) })).rejects.toThrow(/404/);
    const r = await helm(['install', release, chartDir, '--namespace', cluster.namespace, '--kubeconfig', cluster.kubeconfig, ...valueFlags(values())], { env: helmEnv });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`kubectl -n ${cluster.namespace} get pods`); // NOTES.txt
    for (const crd of crds) {
      const created = await kubeRequest<{ metadata: { managedFields?: Array<{ manager: string }> } }>(cluster.kc, { method: 'GET', path: crdPath(crd) });
      expect(created.metadata.managedFields?.map((f) => f.manager)).toContain('helm');
    }
    const ns = `/namespaces/${cluster.namespace}`;
    for (const path of [
      `/apis/rbac.authorization.k8s.io/v1/clusterroles/akri-akri-ts-agent`,
      `/apis/rbac.authorization.k8s.io/v1/clusterroles/akri-akri-ts-controller`,
      `/apis/rbac.authorization.k8s.io/v1${ns}/roles/akri-akri-ts-controller-leader-election`,
      `/apis/rbac.authorization.k8s.io/v1${ns}/roles/akri-akri-ts-agent-referenced-objects`,
      `/apis/apps/v1${ns}/daemonsets/akri-akri-ts-agent`,
      `/apis/apps/v1${ns}/deployments/akri-akri-ts-controller`,
      `/apis/akri.sh/v0${ns}/configurations/akri-debug-echo`,
    ]) {
      await expect(kubeRequest(cluster.kc, { method: 'GET', path }), path).resolves.toBeDefined();
    }
    const dir = join(scratch, 'creds');
    mkdirSync(dir);
    const mint = (sa: string) => serviceAccountCredentials(cluster.kc, cluster.kubeconfig, cluster.namespace, sa, dir);
    // Bound to an agent Pod on the node, as a kubelet mounts it: the chart's admission policy
    // lets an agent write only the entries of the node its token names.
    agentCreds = (await agentIdentity(cluster.kc, cluster.kubeconfig, cluster.namespace, 'akri-akri-ts-agent', node, dir)).credentials;
    controllerCreds = await mint('akri-akri-ts-controller');
    cleanupCreds = await mint('akri-akri-ts-cleanup');
  });

  it('the rendered agent, with its ServiceAccount token, reads the Secret its Configuration names and writes the Instances', async () => {
    const manifest = await helm(['get', 'manifest', release, '--namespace', cluster.namespace, '--kubeconfig', cluster.kubeconfig], { env: helmEnv });
    const agent = podSpec(find(manifests(manifest.stdout), 'DaemonSet', 'akri-akri-ts-agent')).containers[0];
    expect(agent?.args?.[0]).toBe('agent');
    const p = new ChartProcess('agent', [...(agent?.args ?? []), '--kubeconfig', agentCreds.kubeconfig], { NODE_NAME: node, AKRI_LOG_LEVEL: 'info' });
    running.push(p);
    const instance = await eventually(async () => {
      const [only, ...more] = await list<Instance>(akri('instances'));
      expect(more, p.logs).toHaveLength(0);
      expect(only?.spec.nodes, p.logs).toEqual([node]);
      return only as Instance;
    }, 45_000);
    expect(instance.spec.configurationName).toBe('akri-debug-echo');
    // Its finalizer on the Configuration and its status entry: configurations and /status writes.
    await eventually(async () => {
      const cfg = await kubeRequest<Configuration>(cluster.kc, { method: 'GET', path: `${akri('configurations')}/akri-debug-echo` });
      expect(cfg.metadata.finalizers, p.logs).toContain(node);
      const entry = cfg.status?.nodes?.find((n) => n.node === node);
      expect(entry?.state, p.logs).toBe('Discovering'); // not PropertiesUnresolved: the Secret was readable
    }, 30_000);
  });

  it('the rendered controller, with its ServiceAccount token, wins the Lease and makes the broker Pod', async () => {
    const manifest = await helm(['get', 'manifest', release, '--namespace', cluster.namespace, '--kubeconfig', cluster.kubeconfig], { env: helmEnv });
    const controller = podSpec(find(manifests(manifest.stdout), 'Deployment', 'akri-akri-ts-controller')).containers[0];
    expect(controller?.args?.[0]).toBe('controller');
    const p = new ChartProcess('controller', [...(controller?.args ?? []), '--kubeconfig', controllerCreds.kubeconfig], { POD_NAME: 'akri-controller-0', POD_NAMESPACE: cluster.namespace });
    running.push(p);
    const [instance] = await list<Instance>(akri('instances'));
    const pods = await eventually(async () => {
      const found = await list<V1Pod>(`/api/v1/namespaces/${cluster.namespace}/pods?labelSelector=akri.sh/instance=${instance?.metadata.name}`);
      expect(found, p.logs).toHaveLength(1);
      return found;
    }, 45_000);
    // Pinned to the node that sees the device (its Services wait for a running broker,
    // which needs a kubelet).
    expect(JSON.stringify(pods[0]?.spec), p.logs).toContain(node);
    const lease = await kubeRequest<{ spec: { holderIdentity: string } }>(cluster.kc, { method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/${cluster.namespace}/leases/akri-controller` });
    expect(lease.spec.holderIdentity).toBe('akri-controller-0');
  });

  it('grants no more than the components use', async () => {
    const ns = ['-n', cluster.namespace];
    // The agent: no Pods, no Secrets outside the namespaces it was given, no Nodes, no deletes of Configurations.
    expect(await canI('akri-akri-ts-agent', 'watch', 'secrets', ...ns)).toBe('yes');
    expect(await canI('akri-akri-ts-agent', 'list', 'secrets', '-n', 'kube-system')).toBe('no');
    expect(await canI('akri-akri-ts-agent', 'delete', 'pods', ...ns)).toBe('no');
    expect(await canI('akri-akri-ts-agent', 'create', 'pods', ...ns)).toBe('no');
    expect(await canI('akri-akri-ts-agent', 'delete', 'configurations.akri.sh', ...ns)).toBe('no');
    expect(await canI('akri-akri-ts-agent', 'patch', 'nodes')).toBe('no');
    // The controller: no Secrets at all, only its own Lease, no Configuration writes.
    expect(await canI('akri-akri-ts-controller', 'get', 'secrets', ...ns)).toBe('no');
    expect(await canI('akri-akri-ts-controller', 'update', 'leases/someone-else', ...ns)).toBe('no');
    expect(await canI('akri-akri-ts-controller', 'create', 'leases', '-n', 'kube-system')).toBe('no');
    expect(await canI('akri-akri-ts-controller', 'patch', 'configurations.akri.sh', ...ns)).toBe('no');
    expect(await canI('akri-akri-ts-controller', 'update', 'nodes')).toBe('no');
    // The cleanup hook: akri.sh objects in its own namespace only.
    expect(await canI('akri-akri-ts-cleanup', 'delete', 'configurations.akri.sh', '-n', 'kube-system')).toBe('no');
    expect(await canI('akri-akri-ts-cleanup', 'delete', 'pods', ...ns)).toBe('no');
  });
});

describe('uninstall', () => {
  const runHook = (timeoutSeconds: number) =>
    promisify(execFile)(process.execPath, [join(repoRoot, 'helm/files/pre-delete-cleanup.mjs')], {
      env: { ...process.env, API_SERVER: cleanupCreds.server, TOKEN_FILE: cleanupCreds.tokenFile, CA_FILE: cleanupCreds.caFile, NAMESPACE: cluster.namespace, TIMEOUT_SECONDS: String(timeoutSeconds) },
      timeout: (timeoutSeconds + 30) * 1000,
    });

  it('the pre-delete hook removes the Configurations while the agents remove their finalizers', async () => {
    // The program run here is the one the hook's Job mounts from the release's ConfigMap.
    const cm = await kubeRequest<{ data: Record<string, string> }>(cluster.kc, { method: 'GET', path: `/api/v1/namespaces/${cluster.namespace}/configmaps/akri-akri-ts-cleanup` });
    expect(cm.data['pre-delete-cleanup.mjs']?.trim()).toBe(readFileSync(join(repoRoot, 'helm/files/pre-delete-cleanup.mjs'), 'utf8').trim());
    const out = await runHook(20);
    expect(out.stdout).toContain('"msg":"done"');
    expect(out.stdout).not.toContain('still held by finalizers'); // the live agent let go by itself
    expect(await list(akri('configurations'))).toEqual([]);
    await eventually(async () => expect(await list(akri('instances'))).toEqual([]), 30_000);
  });

  it('removes finalizers left by agents that are gone, after its timeout', async () => {
    for (const p of running) await p.stop();
    await kubeRequest(cluster.kc, {
      method: 'POST',
      path: akri('configurations'),
      body: { apiVersion: 'akri.sh/v0', kind: 'Configuration', metadata: { name: 'orphaned', finalizers: ['dead-node'] }, spec: { discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: [x]' } } },
    });
    await kubeRequest(cluster.kc, {
      method: 'POST',
      path: akri('instances'),
      body: { apiVersion: 'akri.sh/v0', kind: 'Instance', metadata: { name: 'orphaned-a1b2c3', finalizers: ['dead-node'] }, spec: { configurationName: 'orphaned', cdiName: 'akri.sh/orphaned=a1b2c3', nodes: ['dead-node'], shared: false, capacity: 1, deviceUsage: { 'orphaned-a1b2c3-0': '' } } },
    });
    const out = await runHook(2);
    expect(out.stdout).toContain('still held by finalizers');
    await eventually(async () => {
      expect(await list(akri('configurations'))).toEqual([]);
      expect(await list(akri('instances'))).toEqual([]);
    }, 15_000);
  });

  it('helm uninstall then leaves no akri.sh object and no finalizer in the namespace', async () => {
    const r = await helm(['uninstall', release, '--namespace', cluster.namespace, '--kubeconfig', cluster.kubeconfig, '--no-hooks', '--wait'], { env: helmEnv });
    expect(r.code, r.stderr).toBe(0);
    expect(await list(akri('configurations'))).toEqual([]);
    expect(await list(akri('instances'))).toEqual([]);
    const roles = await list<{ metadata: { name: string } }>('/apis/rbac.authorization.k8s.io/v1/clusterroles');
    expect(roles.map((x) => x.metadata.name).filter((n) => n.startsWith('akri-akri-ts'))).toEqual([]);
  });
});
