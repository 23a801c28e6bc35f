// The confused deputy, tried for real: a tenant who may create Configurations in namespace A
// names a Secret of namespace B in discoveryProperties. The agent must neither read it nor send
// it to the handler, and must say why: a Warning Event naming the reference and a status
// condition on its node's entry. An explicit grant (A=B) is what makes the same Configuration
// work, which shows the refusal is the policy and not some other failure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { Agent } from '../../agent/agent.ts';
import type { NamespaceGrant } from '../../agent/configuration/reference-policy.ts';
import { runHandler, type RunningHandler } from '../../lib/discovery/run-handler.ts';
import type { DiscoveryHandler, DiscoverRequest } from '../../lib/discovery/handler.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually, holdsFor } from '../support/wait.ts';
import { applyConfiguration, getConfiguration, listEvents, listInstances, nodeNames } from './support/agent-nodes.ts';
import { recordingApiProxy, type RecordingProxy } from './support/recording-api-proxy.ts';

const cluster = useTestCluster('tenant-a');
const [node = ''] = nodeNames(1, 'deputy');
const tenantB = `tenant-b-${randomBytes(3).toString('hex')}`;
const SECRET_B = `b-only-${randomBytes(6).toString('hex')}`;
const SECRET_A = `a-own-${randomBytes(6).toString('hex')}`;

/** Every property value the handler was ever sent, per Discover call. */
const received: Array<Record<string, string>> = [];
const recorder: DiscoveryHandler = {
  name: 'propertyRecorder',
  shared: true,
  async *discover(req: DiscoverRequest, signal: AbortSignal) {
    received.push(Object.fromEntries(Object.entries(req.properties).map(([k, v]) => [k, v?.toString('utf8') ?? ''])));
    yield [{ id: 'camera-1', properties: {}, mounts: [], deviceSpecs: [] }];
    await new Promise((r) => signal.addEventListener('abort', () => r(undefined), { once: true }));
  },
};

let dir = '';
let agent: Agent | undefined;
let handler: RunningHandler | undefined;
let proxy: RecordingProxy | undefined;

async function startAgent(grants: NamespaceGrant[]): Promise<void> {
  await agent?.stop();
  await proxy?.close();
  proxy = await recordingApiProxy(cluster.kc);
  agent = new Agent({
    nodeName: node,
    handlersDir: dir,
    kubeConfig: proxy.endpoint,
    logger: new Logger({ test: true }, 'error'),
    registry: new Registry(),
    defaultGracePeriodSeconds: 1,
    maxStreamBackoffMs: 500,
    namespaceGrants: grants,
  });
  await agent.start();
}

const secretB = { name: 'camera-credentials', namespace: tenantB, key: 'password' };
const spec = (ref: { name: string; key: string; namespace?: string }) => ({
  discoveryHandler: { name: 'propertyRecorder', discoveryDetails: '', discoveryProperties: [{ name: 'password_default', valueFrom: { secretKeyRef: ref } }] },
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'akri-ts-deputy-'));
  await cluster.core.createNamespace({ body: { metadata: { name: tenantB } } });
  await cluster.core.createNamespacedSecret({ namespace: tenantB, body: { metadata: { name: secretB.name }, stringData: { password: SECRET_B } } });
  await cluster.core.createNamespacedSecret({ namespace: cluster.namespace, body: { metadata: { name: 'own-credentials' }, stringData: { password: SECRET_A } } });
  await startAgent([]);
  handler = await runHandler(recorder, { dir, pollMs: 200 });
});

afterAll(async () => {
  await handler?.stop();
  await agent?.stop();
  await proxy?.close();
  await cluster.core.deleteNamespace({ name: tenantB }).catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('discoveryProperties stay in their namespace', () => {
  it("a Configuration in A naming B's Secret gets nothing from it: no read, nothing sent, an Event and a condition saying why", async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'tenant-camera', spec(secretB));
    const reference = `Secret ${tenantB}/${secretB.name}`;
    const events = await eventually(async () => {
      const found = (await listEvents(cluster.kc, cluster.namespace, 'tenant-camera')).filter((e) => e.reason === 'ReferenceNotAllowed');
      expect(found).toHaveLength(1);
      return found;
    });
    expect(events[0]?.type).toBe('Warning');
    expect(events[0]?.message).toContain(reference);
    expect(events[0]?.message).toContain(`must grant ${cluster.namespace}=${tenantB}`);
    const entry = (await getConfiguration(cluster.kc, cluster.namespace, 'tenant-camera'))?.status?.nodes?.find((n) => n.node === node);
    expect(entry?.state).toBe('PropertiesUnresolved');
    expect(entry?.conditions?.find((c) => c.type === 'PropertiesResolved')).toMatchObject({ status: 'False', reason: 'ReferenceNotAllowed', message: expect.stringContaining(reference) });
    // Nothing reaches the handler, and no Instance appears, for as long as we watch.
    await holdsFor(async () => {
      expect(received).toEqual([]);
      expect(await listInstances(cluster.kc, cluster.namespace, 'tenant-camera')).toEqual([]);
    }, 3000);
    // The agent never asked the API server for anything in B.
    expect(proxy?.requests.filter((r) => r.includes(`/namespaces/${tenantB}/`))).toEqual([]);
    expect(proxy?.requests.some((r) => r.includes(`/namespaces/${cluster.namespace}/configurations`))).toBe(true);
    // Naming yet another namespace's object is refused too, with an Event of its own.
    await applyConfiguration(cluster.kc, cluster.namespace, 'tenant-camera', spec({ name: 'site-keys', key: 'k', namespace: 'kube-system' }));
    await eventually(async () => {
      const found = (await listEvents(cluster.kc, cluster.namespace, 'tenant-camera')).filter((e) => e.reason === 'ReferenceNotAllowed');
      expect(found.map((e) => e.message).find((m) => m.includes('Secret kube-system/site-keys'))).toBeDefined();
    });
    expect(received).toEqual([]);
    expect(proxy?.requests.filter((r) => r.includes('/namespaces/kube-system/'))).toEqual([]);
  });

  it("an unset namespace is the Configuration's own, not default", async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'tenant-camera', spec({ name: 'own-credentials', key: 'password' }));
    await eventually(async () => expect(received).toContainEqual({ password_default: SECRET_A }));
    await eventually(async () => expect(await listInstances(cluster.kc, cluster.namespace, 'tenant-camera')).toHaveLength(1));
    expect(received.some((r) => Object.values(r).includes(SECRET_B))).toBe(false);
  });

  it('the operator grant A=B (and only it) lets the same Configuration read B', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'tenant-camera', spec(secretB));
    await eventually(async () => {
      const entry = (await getConfiguration(cluster.kc, cluster.namespace, 'tenant-camera'))?.status?.nodes?.find((n) => n.node === node);
      expect(entry?.conditions?.find((c) => c.type === 'PropertiesResolved')?.reason).toBe('ReferenceNotAllowed');
    });
    // A grant for another Configuration namespace changes nothing.
    await startAgent([{ from: 'someone-else', to: tenantB }]);
    await holdsFor(() => expect(received.some((r) => Object.values(r).includes(SECRET_B))).toBe(false), 2000);
    await startAgent([{ from: cluster.namespace, to: tenantB }]);
    await eventually(async () => expect(received).toContainEqual({ password_default: SECRET_B }));
    expect(proxy?.requests.some((r) => r.includes(`/namespaces/${tenantB}/secrets`))).toBe(true);
  });
});
