// The core promise, end to end: three nodes and the devices live in their own network
// namespaces, cabled so that camera A is on a segment with nodes 1 and 2, and OPC UA server B
// on a segment with node 3 only. Each node's agent runs here (it talks to the API server on
// loopback); each node's external handler process runs inside that node's namespace and
// registers over the UDS in the agent's handlers dir (the filesystem is shared, the network is
// not). The controller runs too, with the three nodes registered Ready. Needs root.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerController } from '../../controller/broker-controller.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { LabProcess } from '../netns/lab-process.ts';
import { NetnsLab, type LabHost } from '../netns/netns-lab.ts';
import { applyConfiguration, listInstances, TestNode } from './support/agent-nodes.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { TestKubelet } from './support/test-kubelet.ts';

const cluster = useTestCluster('netns');
const lab = new NetnsLab();
const GRACE_SECONDS = 3;
const CAMS_POLL_SECONDS = 6;
const UUID_A = randomUUID();
const UUID_C = randomUUID();
const UUID_BAD = randomUUID();

let work: string;
let nodeNames: [string, string, string];
let hosts: Record<'n1' | 'n2' | 'n3' | 'camA' | 'camC' | 'camBad' | 'plcB', LabHost>;
const agents: TestNode[] = [];
const handlers: LabProcess[] = [];
let cameraA: LabProcess | undefined;
let cameraC: LabProcess | undefined;
let cameraBad: LabProcess | undefined;
let plcB: LabProcess | undefined;
let plcUrl = '';
let kubelet: TestKubelet | undefined;
let controller: BrokerController | undefined;

const broker = { brokerPodSpec: { containers: [{ name: 'broker', image: 'docker.io/akri-ts/broker:test' }] } };

function handlerProcess(host: LabHost, agent: TestNode, name: 'onvif' | 'opcua'): LabProcess {
  return new LabProcess(host.exec([process.execPath, '--import', 'tsx', 'discovery-handlers/main.ts', name]), {
    DISCOVERY_HANDLERS_DIRECTORY: agent.dir,
    AKRI_LOG_LEVEL: 'info',
  });
}

function camera(host: LabHost, uuid: string, ...extra: string[]): LabProcess {
  const address = host.addresses.a ?? '';
  return new LabProcess(
    host.exec([process.execPath, '--import', 'tsx', 'simulators/onvif-camera/run-camera.ts', '--bind', address, '--uuid', uuid, '--hello', ...extra]),
  );
}

async function instanceOf(configuration: string, match: (i: Instance) => boolean): Promise<Instance | undefined> {
  return (await listInstances(cluster.kc, cluster.namespace, configuration)).find(match);
}

const byUuid = (uuid: string) => (i: Instance) => i.spec.brokerProperties?.ONVIF_DEVICE_UUID === uuid;
const nodesOf = (i: Instance | undefined): string[] => [...(i?.spec.nodes ?? [])].sort();

async function brokerPods(configuration: string): Promise<V1Pod[]> {
  const list = await kubeRequest<{ items: V1Pod[] }>(cluster.kc, {
    method: 'GET',
    path: `/api/v1/namespaces/${cluster.namespace}/pods`,
    query: { labelSelector: `akri.sh/configuration=${configuration}` },
  });
  // Pods already being deleted are on their way out; the user sees them go.
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** The nodes the brokers of a Configuration are scheduled on, checking each is pinned there. */
async function scheduledBrokerNodes(configuration: string): Promise<string[]> {
  const pods = await brokerPods(configuration);
  for (const pod of pods) {
    const target = pod.metadata?.labels?.['akri.sh/target-node'];
    expect(pod.spec?.nodeName, `${pod.metadata?.name} is scheduled`).toBe(target);
    const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    expect(terms.length).toBeGreaterThan(0);
    for (const term of terms) expect(JSON.stringify(term)).toContain(target);
  }
  return pods.map((p) => p.spec?.nodeName ?? '').sort();
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'akri-ts-netns-'));
  const ns = cluster.namespace;
  nodeNames = [`${ns}-n1`, `${ns}-n2`, `${ns}-n3`];
  await lab.start(['a', 'b']);
  hosts = {
    n1: await lab.addHost('n1', ['a']),
    n2: await lab.addHost('n2', ['a']),
    n3: await lab.addHost('n3', ['b']),
    camA: await lab.addHost('camA', ['a']),
    camC: await lab.addHost('camC', ['a']),
    camBad: await lab.addHost('camBad', ['a']),
    plcB: await lab.addHost('plcB', ['b']),
  };

  kubelet = new TestKubelet(cluster.kc, ns, nodeNames);
  await kubelet.register();
  controller = new BrokerController({
    kc: cluster.kc,
    identity: 'netns-controller',
    logger: new Logger({}, 'warn'),
    registry: new Registry(),
    namespace: ns,
    leaseNamespace: ns,
    leaseDurationMs: 4000,
    lostNodeGraceMs: 4000,
  });
  await controller.start();

  for (const name of nodeNames) agents.push(await new TestNode(name, cluster.kc, ns, { handler: 'none', graceSeconds: GRACE_SECONDS }).start());
  const [a1, a2, a3] = agents as [TestNode, TestNode, TestNode];
  // Every node runs the onvif handler; nodes 1 and 3 run opcua too, so node 1 shows that an
  // OPC UA server it cannot reach stays off its list.
  handlers.push(handlerProcess(hosts.n1, a1, 'onvif'), handlerProcess(hosts.n2, a2, 'onvif'), handlerProcess(hosts.n3, a3, 'onvif'));
  handlers.push(handlerProcess(hosts.n1, a1, 'opcua'), handlerProcess(hosts.n3, a3, 'opcua'));
  plcB = new LabProcess(
    hosts.plcB.exec([process.execPath, '--import', 'tsx', 'simulators/opcua/run-opcua-server.ts', join(work, 'plc'), 'PLC B', '-', hosts.plcB.addresses.b ?? '']),
  );
  cameraA = camera(hosts.camA, UUID_A);
  // Answers probes, then sends an entity bomb to every SOAP call.
  cameraBad = camera(hosts.camBad, UUID_BAD, '--soap-misbehaviour', 'xml-bomb');
  await Promise.all(handlers.map((h) => h.waitFor(/registered with the agent/, 90_000)));
  plcUrl = (await plcB.waitFor(/^READY /, 90_000)).slice('READY '.length).trim();
  await cameraA.waitFor(/serviceUrl/, 60_000);
  await cameraBad.waitFor(/serviceUrl/, 60_000);

  await applyConfiguration(cluster.kc, ns, 'cams', {
    discoveryHandler: {
      name: 'onvif',
      discoveryDetails: JSON.stringify({
        discoveryIntervalSeconds: CAMS_POLL_SECONDS,
        discoveryTimeoutSeconds: 1,
        requestTimeoutSeconds: 1,
        uuids: { action: 'Exclude', items: [UUID_C] },
      }),
    },
    instanceGracePeriodSeconds: GRACE_SECONDS,
    brokerSpec: broker,
  });
  // Polls once an hour: only a Hello can add a camera here, and only a Bye remove it.
  await applyConfiguration(cluster.kc, ns, 'hello', {
    discoveryHandler: {
      name: 'onvif',
      discoveryDetails: JSON.stringify({
        discoveryIntervalSeconds: 3600,
        discoveryTimeoutSeconds: 1,
        requestTimeoutSeconds: 1,
        uuids: { action: 'Include', items: [UUID_C] },
      }),
    },
    instanceGracePeriodSeconds: GRACE_SECONDS,
  });
  await applyConfiguration(cluster.kc, ns, 'plcs', {
    discoveryHandler: {
      name: 'opcua',
      discoveryDetails: JSON.stringify({
        opcuaDiscoveryMethod: { standard: { discoveryUrls: [plcUrl] } },
        discoveryIntervalSeconds: 3,
        requestTimeoutSeconds: 2,
      }),
    },
    instanceGracePeriodSeconds: GRACE_SECONDS,
    brokerSpec: broker,
  });
}, 240_000);

afterAll(async () => {
  const procs = [...handlers, cameraA, cameraC, cameraBad, plcB].filter((p): p is LabProcess => p !== undefined);
  await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  await Promise.all(agents.map((a) => a.stop()));
  await controller?.stop();
  await kubelet?.stop();
  await lab.remove();
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

describe('devices behind network namespaces, three nodes', () => {
  it('each Instance carries exactly the nodes that can reach its device', async () => {
    const [n1, n2, n3] = nodeNames;
    await eventually(async () => {
      expect(nodesOf(await instanceOf('cams', byUuid(UUID_A)))).toEqual([n1, n2]);
      const plcs = await listInstances(cluster.kc, cluster.namespace, 'plcs');
      expect(plcs.map((i) => [i.spec.brokerProperties?.OPCUA_DISCOVERY_URL, nodesOf(i)])).toEqual([[plcUrl, [n3]]]);
    }, 90_000, 500);
    expect(await listInstances(cluster.kc, cluster.namespace, 'cams')).toHaveLength(1);
    expect(await listInstances(cluster.kc, cluster.namespace, 'hello')).toHaveLength(0);
  }, 120_000);

  it('brokers run only on the nodes that reach the device, each pinned to its node', async () => {
    const [n1, n2, n3] = nodeNames;
    await eventually(async () => {
      expect(await scheduledBrokerNodes('cams')).toEqual([n1, n2]);
      expect(await scheduledBrokerNodes('plcs')).toEqual([n3]);
    }, 60_000, 500);
  }, 90_000);

  it("a new camera's Hello adds it at once, with no poll; its Bye removes it after the grace period", async () => {
    const [n1, n2] = nodeNames;
    cameraC = camera(hosts.camC, UUID_C);
    // run-camera prints its line right after multicasting the Hello.
    await cameraC.waitFor(/serviceUrl/, 60_000);
    const helloAt = Date.now();
    await eventually(async () => expect(nodesOf(await instanceOf('hello', byUuid(UUID_C)))).toEqual([n1, n2]), 20_000, 50);
    // The 'hello' Configuration polls once an hour: this can only have been the Hello.
    expect(Date.now() - helloAt).toBeLessThan(3000);

    await cameraC.stop('SIGTERM'); // says Bye
    const byeAt = Date.now();
    await eventually(async () => expect(await instanceOf('hello', byUuid(UUID_C))).toBeUndefined(), 30_000, 100);
    const gone = Date.now() - byeAt;
    expect(gone).toBeGreaterThanOrEqual((GRACE_SECONDS - 0.5) * 1000);
    expect(gone).toBeLessThan((GRACE_SECONDS + 6) * 1000);
  }, 90_000);

  it("pulling node 2's cable takes node 2 out of the Instance after the grace period, and its broker goes; plugging it back returns it", async () => {
    const [n1, n2] = nodeNames;
    await lab.setLink('n2', 'a', false);
    const cutAt = Date.now();
    await eventually(async () => expect(nodesOf(await instanceOf('cams', byUuid(UUID_A)))).toEqual([n1]), 60_000, 200);
    // Noticed at node 2's next poll (at most one interval), then held for the grace period.
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual((GRACE_SECONDS - 0.5) * 1000);
    await eventually(async () => expect(await scheduledBrokerNodes('cams')).toEqual([n1]), 60_000, 500);

    await lab.setLink('n2', 'a', true);
    await eventually(async () => expect(nodesOf(await instanceOf('cams', byUuid(UUID_A)))).toEqual([n1, n2]), 60_000, 500);
    await eventually(async () => expect(await scheduledBrokerNodes('cams')).toEqual([n1, n2]), 60_000, 500);
  }, 180_000);

  it('a camera that dies without a Bye is removed after its next poll plus the grace period, with its brokers', async () => {
    await cameraA?.stop('SIGKILL');
    const diedAt = Date.now();
    await eventually(async () => expect(await instanceOf('cams', byUuid(UUID_A))).toBeUndefined(), 60_000, 200);
    const gone = Date.now() - diedAt;
    expect(gone).toBeGreaterThanOrEqual((GRACE_SECONDS - 0.5) * 1000);
    expect(gone).toBeLessThan((CAMS_POLL_SECONDS + GRACE_SECONDS + 15) * 1000);
    await eventually(async () => expect(await brokerPods('cams')).toHaveLength(0), 60_000, 500);
  }, 120_000);

  it('an OPC UA server that node 3 can no longer reach leaves with its broker', async () => {
    await lab.setLink('n3', 'b', false);
    await eventually(async () => expect(await listInstances(cluster.kc, cluster.namespace, 'plcs')).toHaveLength(0), 60_000, 500);
    await eventually(async () => expect(await brokerPods('plcs')).toHaveLength(0), 60_000, 500);
  }, 120_000);

  it("a camera answering with an XML bomb is never listed, shows in the node handlers' logs, and crashes no handler", async () => {
    const [onvif1, onvif2, onvif3] = handlers as [LabProcess, LabProcess, LabProcess];
    // An external handler has no channel to the agent for problems (Akri's v0 protocol), so
    // its JSON log is where an operator finds them.
    for (const h of [onvif1, onvif2]) {
      const line = await h.waitFor(new RegExp(`"level":"warn".*${UUID_BAD}`), 30_000);
      expect(line).toContain('"kind":"malformed"');
    }
    expect(onvif3.output.some((l) => l.includes(UUID_BAD))).toBe(false); // node 3 cannot reach it
    expect((await listInstances(cluster.kc, cluster.namespace, 'cams')).map((i) => i.spec.brokerProperties?.ONVIF_DEVICE_UUID)).not.toContain(UUID_BAD);
    for (const h of handlers) expect(h.running).toBe(true);
  }, 60_000);
});
