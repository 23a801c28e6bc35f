// Agents with debugEcho running as an external handler through our SDK (over UDS and TCP):
// local devices, handlers that die and come back, agents that restart, and Configurations
// the agent cannot serve (unknown handler, rejected details, Secrets behind properties).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blake2b } from '@noble/hashes/blake2.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { MAX_FAILED_CONNECTS } from '../../agent/discovery/discovery-session.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually, holdsFor } from '../support/wait.ts';
import { applyConfiguration, getConfiguration, listEvents, listInstances, nodeNames, TestNode } from './support/agent-nodes.ts';

const cluster = useTestCluster('agent-ext');
const names = nodeNames(3, 'ext');
let nodes: TestNode[] = [];
// Independent of lib/naming: BLAKE2b, 3-byte digest, of id + node for local devices.
const localHash = (id: string, node: string): string => Buffer.from(blake2b(new TextEncoder().encode(id + node), { dkLen: 3 })).toString('hex');

beforeAll(async () => {
  nodes = names.map((n, i) => new TestNode(n, cluster.kc, cluster.namespace, { handler: i === 2 ? 'tcp' : 'uds', shared: false, graceSeconds: 3 }));
  await Promise.all(nodes.map((n) => n.start()));
});
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

const echo = (descriptions: string[]): Record<string, unknown> => ({
  discoveryHandler: { name: 'debugEcho', discoveryDetails: `descriptions: ${JSON.stringify(descriptions)}` },
});

describe('external handlers written with the SDK', () => {
  it('a local device on 3 nodes becomes 3 Instances, one per node, over UDS and TCP alike', async () => {
    expect(nodes[0]?.handler?.endpoint).toMatch(/debugEcho\.sock$/);
    expect(nodes[2]?.handler?.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await applyConfiguration(cluster.kc, cluster.namespace, 'usb', echo(['usb0']));
    await eventually(async () => {
      const list = await listInstances(cluster.kc, cluster.namespace, 'usb');
      expect(list.map((i) => i.metadata.name).sort()).toEqual(names.map((n) => `usb-${localHash('usb0', n)}`).sort());
      for (const i of list) {
        expect(i.spec.shared).toBe(false);
        expect(i.spec.nodes).toHaveLength(1);
        expect(i.metadata.name).toBe(`usb-${localHash('usb0', i.spec.nodes?.[0] ?? '')}`);
      }
    });
  });

  it('a killed handler keeps its Instances until the grace period after it has gone', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'killed', echo(['k0']));
    await eventually(async () => expect(await listInstances(cluster.kc, cluster.namespace, 'killed')).toHaveLength(3));
    const a = nodes[0];
    const mine = (list: Awaited<ReturnType<typeof listInstances>>) => list.filter((i) => i.spec.nodes?.includes(names[0] ?? ''));
    await a?.stopHandler();
    const gone = Date.now();
    await holdsFor(async () => expect(mine(await listInstances(cluster.kc, cluster.namespace, 'killed'))).toHaveLength(1), 1500);
    await eventually(async () => expect(mine(await listInstances(cluster.kc, cluster.namespace, 'killed'))).toHaveLength(0), 30_000, 100);
    expect(Date.now() - gone).toBeGreaterThanOrEqual(2500);
    // The others are untouched; and when the handler returns, so does the Instance.
    expect(await listInstances(cluster.kc, cluster.namespace, 'killed')).toHaveLength(2);
    await a?.startHandler('uds');
    await eventually(async () => expect(await listInstances(cluster.kc, cluster.namespace, 'killed')).toHaveLength(3));
  });

  it('handlers re-register by themselves when their agent restarts, with no duplicate or lost Instances', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'rereg', echo(['x0', 'x1']));
    const before = await eventually(async () => {
      const list = await listInstances(cluster.kc, cluster.namespace, 'rereg');
      expect(list).toHaveLength(6);
      return list;
    });
    await Promise.all([nodes[0]?.stopAgent(), nodes[2]?.stopAgent()]);
    await new Promise((r) => setTimeout(r, 500));
    await Promise.all([nodes[0]?.startAgent(), nodes[2]?.startAgent()]);
    // Both the UDS and the TCP handler find the new agent; discovery resumes within the grace period.
    await eventually(async () => {
      expect(nodes[0]?.agent?.handlers.endpoints('debugEcho')).toHaveLength(1);
      expect(nodes[2]?.agent?.handlers.endpoints('debugEcho')).toHaveLength(1);
      const c = await getConfiguration(cluster.kc, cluster.namespace, 'rereg');
      expect(c?.status?.nodes?.filter((n) => n.state === 'Discovering')).toHaveLength(3);
    }, 20_000);
    await holdsFor(async () => {
      const list = await listInstances(cluster.kc, cluster.namespace, 'rereg');
      expect(list.map((i) => i.metadata.uid).sort()).toEqual(before.map((i) => i.metadata.uid).sort());
    }, 4000);
  });

  it('the Registration socket merges several endpoints under one name and dedups their devices', async () => {
    const b = nodes[1];
    // A second debugEcho endpoint on node b, over TCP, reporting the same devices.
    const { runHandler } = await import('../../lib/discovery/run-handler.ts');
    const second = await runHandler(b?.echo ?? (undefined as never), { dir: b?.dir ?? '', tcp: { port: 0 }, pollMs: 200 });
    try {
      await eventually(() => expect(b?.agent?.handlers.endpoints('debugEcho')).toHaveLength(2));
      await applyConfiguration(cluster.kc, cluster.namespace, 'merged', echo(['m0']));
      await eventually(async () => {
        const c = await getConfiguration(cluster.kc, cluster.namespace, 'merged');
        const entry = c?.status?.nodes?.find((n) => n.node === names[1]);
        expect(entry).toMatchObject({ endpoints: 2, instances: 1, state: 'Discovering' });
        expect(await listInstances(cluster.kc, cluster.namespace, 'merged')).toHaveLength(3);
      });
    } finally {
      await second.stop();
    }
  });
});

describe('Configurations the agent cannot serve', () => {
  it('an unknown handler shows a condition and an Event, and discovery starts when it registers', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'ghost', { discoveryHandler: { name: 'noSuchHandler', discoveryDetails: '' } });
    await eventually(async () => {
      const c = await getConfiguration(cluster.kc, cluster.namespace, 'ghost');
      expect(c?.status?.nodes).toHaveLength(3);
      for (const n of c?.status?.nodes ?? []) {
        expect(n.state).toBe('WaitingForHandler');
        expect(n.conditions?.find((x) => x.type === 'HandlerRegistered')).toMatchObject({ status: 'False', reason: 'HandlerNotRegistered' });
      }
      const events = await listEvents(cluster.kc, cluster.namespace, 'ghost');
      expect(events.some((e) => e.type === 'Warning' && e.reason === 'WaitingForHandler' && e.message.includes('noSuchHandler'))).toBe(true);
    });
    // It waits without spinning: no further writes while nothing changes.
    const rv = (await getConfiguration(cluster.kc, cluster.namespace, 'ghost'))?.metadata.resourceVersion;
    await holdsFor(async () => expect((await getConfiguration(cluster.kc, cluster.namespace, 'ghost'))?.metadata.resourceVersion).toBe(rv), 2000);
    // The handler turns up: discovery starts on each node without any nudge.
    const { runHandler } = await import('../../lib/discovery/run-handler.ts');
    const ghost = {
      name: 'noSuchHandler',
      shared: true,
      async *discover(_req: unknown, signal: AbortSignal) {
        yield [{ id: 'boo', properties: {}, mounts: [], deviceSpecs: [] }];
        await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      },
    };
    const handlers = await Promise.all(nodes.map((n) => runHandler(ghost, { dir: n.dir, pollMs: 200 })));
    try {
      await eventually(async () => {
        const [i] = await listInstances(cluster.kc, cluster.namespace, 'ghost');
        expect(i?.spec.nodes).toHaveLength(3);
        const c = await getConfiguration(cluster.kc, cluster.namespace, 'ghost');
        expect(c?.status?.nodes?.every((n) => n.state === 'Discovering')).toBe(true);
      });
    } finally {
      await Promise.all(handlers.map((h) => h.stop()));
    }
  });

  it('discoveryDetails the handler rejects show a condition and an Event naming the problem, and nothing crashes', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'bad', { discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: 42' } });
    await eventually(async () => {
      const c = await getConfiguration(cluster.kc, cluster.namespace, 'bad');
      expect(c?.status?.nodes).toHaveLength(3);
      for (const n of c?.status?.nodes ?? []) {
        expect(n.state).toBe('InvalidDiscoveryDetails');
        expect(n.conditions?.find((x) => x.type === 'DiscoveryDetailsValid')).toMatchObject({ status: 'False', reason: 'InvalidDiscoveryDetails' });
        expect(n.message).toContain('descriptions: expected a list of strings');
      }
      const events = await listEvents(cluster.kc, cluster.namespace, 'bad');
      expect(events.some((e) => e.reason === 'InvalidDiscoveryDetails' && e.message.includes('descriptions'))).toBe(true);
    });
    // Fixing the details recovers, on every node.
    await applyConfiguration(cluster.kc, cluster.namespace, 'bad', echo(['fixed']));
    await eventually(async () => expect(await listInstances(cluster.kc, cluster.namespace, 'bad')).toHaveLength(3));
  });

  it('a Secret behind a discovery property is passed to the handler, and editing it restarts discovery', async () => {
    // debugEcho ignores properties, so this handler reports the property's value as a device.
    const { runHandler } = await import('../../lib/discovery/run-handler.ts');
    const secretEcho = {
      name: 'secretEcho',
      shared: true,
      async *discover(req: { properties: Record<string, Buffer | undefined> }, signal: AbortSignal) {
        yield [{ id: req.properties.TOKEN?.toString() ?? 'none', properties: { TOKEN: req.properties.TOKEN?.toString() ?? '' }, mounts: [], deviceSpecs: [] }];
        await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      },
    };
    const handlers = await Promise.all(nodes.map((n) => runHandler(secretEcho, { dir: n.dir, pollMs: 200 })));
    try {
      const secretPath = `/api/v1/namespaces/${cluster.namespace}/secrets`;
      await kubeRequest(cluster.kc, { method: 'POST', path: secretPath, body: { metadata: { name: 'tok' }, stringData: { token: 'one' } } });
      await applyConfiguration(cluster.kc, cluster.namespace, 'secret', {
        discoveryHandler: {
          name: 'secretEcho',
          discoveryProperties: [
            { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'tok', key: 'token', namespace: cluster.namespace } } },
            { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k', optional: true } } },
          ],
        },
      });
      await eventually(async () => {
        const list = await listInstances(cluster.kc, cluster.namespace, 'secret');
        expect(list.map((i) => i.spec.brokerProperties?.TOKEN)).toEqual(['one']);
      });
      await kubeRequest(cluster.kc, {
        method: 'PATCH',
        path: `${secretPath}/tok`,
        contentType: 'application/merge-patch+json',
        body: { stringData: { token: 'two' } },
      });
      await eventually(async () => {
        const list = await listInstances(cluster.kc, cluster.namespace, 'secret');
        expect(list.map((i) => i.spec.brokerProperties?.TOKEN)).toEqual(['two']);
      });
    } finally {
      await Promise.all(handlers.map((h) => h.stop()));
    }
  });
});

describe('handlers that register again, or die, as Akri’s do', () => {
  // Independent of lib/naming: a shared device is hashed from its id alone.
  const sharedHash = (id: string): string => Buffer.from(blake2b(new TextEncoder().encode(id), { dkLen: 3 })).toString('hex');

  /** Registers node b's UDS endpoint again, as a handler restarted with another setting would. */
  async function registerNodeBAgain(shared: boolean): Promise<void> {
    const b = nodes[1];
    const { registerWithAgent } = await import('../../lib/discovery/registration-client.ts');
    await new Promise<void>((resolve) => {
      const registration = registerWithAgent({ dir: b?.dir ?? '', name: 'debugEcho', endpoint: b?.handler?.endpoint ?? '', endpointType: 'UDS', shared, pollMs: 100, onRegistered: () => {
        registration.stop();
        resolve();
      } });
    });
  }

  it('a handler that registers again with the other `shared` flag gets its devices renamed as Akri names them', async () => {
    const nodeB = names[1] ?? '';
    const onB = async () => (await listInstances(cluster.kc, cluster.namespace, 'flip')).filter((i) => i.spec.nodes?.includes(nodeB));
    await applyConfiguration(cluster.kc, cluster.namespace, 'flip', echo(['f0']));
    await eventually(async () => expect((await onB()).map((i) => i.metadata.name)).toEqual([`flip-${localHash('f0', nodeB)}`]));
    try {
      await registerNodeBAgain(true);
      // Akri's agent builds a new endpoint on every registration: the device is now shared,
      // named by its id alone; the local name goes once its grace period (3 s) is over.
      await eventually(async () => {
        const list = await onB();
        expect(list.map((i) => [i.metadata.name, i.spec.shared])).toEqual([[`flip-${sharedHash('f0')}`, true]]);
      }, 30_000);
      const status = (await getConfiguration(cluster.kc, cluster.namespace, 'flip'))?.status?.nodes?.find((n) => n.node === nodeB);
      expect(status).toMatchObject({ endpoints: 1, instances: 1 });
    } finally {
      await registerNodeBAgain(false);
      await eventually(async () => expect((await onB()).map((i) => i.metadata.name)).toEqual([`flip-${localHash('f0', nodeB)}`]), 30_000);
    }
  });

  it(`an endpoint that refuses ${MAX_FAILED_CONNECTS} connects in a row (a socket file left behind) is dropped, and the Configuration waits for the handler`, async () => {
    const a = nodes[0];
    const nodeA = names[0] ?? '';
    // Akri's handlers leave their socket file behind on SIGTERM; connecting to it is refused.
    const path = join(a?.dir ?? '', 'gone.sock');
    writeFileSync(path, '');
    const { registerWithAgent } = await import('../../lib/discovery/registration-client.ts');
    await new Promise<void>((resolve) => {
      const registration = registerWithAgent({ dir: a?.dir ?? '', name: 'goneHandler', endpoint: path, endpointType: 'UDS', shared: true, pollMs: 100, onRegistered: () => {
        registration.stop();
        resolve();
      } });
    });
    await applyConfiguration(cluster.kc, cluster.namespace, 'gone', { discoveryHandler: { name: 'goneHandler', discoveryDetails: '' } });
    const entry = async () => (await getConfiguration(cluster.kc, cluster.namespace, 'gone'))?.status?.nodes?.find((n) => n.node === nodeA);
    await eventually(async () => expect(await entry()).toMatchObject({ state: 'HandlerUnavailable' }));
    // Backoff 0.5, 1, 1, 1 s (this agent's cap): dropped after about 4 s, then no more tries.
    await eventually(async () => {
      expect(a?.agent?.handlers.endpoints('goneHandler')).toEqual([]);
      expect(await entry()).toMatchObject({ state: 'WaitingForHandler', endpoints: 0 });
    }, 30_000);
    const failures = async () => Number(/akri_discovery_response_result\{discovery_handler_name="goneHandler",response="Fail"\} (\d+)/.exec((await a?.metrics()) ?? '')?.[1]);
    expect(await failures()).toBe(MAX_FAILED_CONNECTS);
    await holdsFor(async () => expect(await failures()).toBe(MAX_FAILED_CONNECTS), 3000);
  });
});
