import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import type { LedgerState } from '../../agent/device-plugin/slot-ledger.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { FaultLog } from './fault-log.ts';
import { InvariantChecker, type InvariantId } from './invariants.ts';
import type { KubeletPod, NodeKubeletState } from './node-kubelet-state.ts';
import type { Observation } from './observation.ts';
import { allDevices, nodeName, TIMING, type DeviceKey, type NodeId } from './site-plan.ts';

const S = 1000;
const CAM = 'soak-cams-aaaaaa';
const ECHO_N1 = 'soak-echo-bbbbbb';
const devices = new Map<string, DeviceKey>([
  [CAM, allDevices().find((d) => d.key === 'cam') as DeviceKey],
  [ECHO_N1, allDevices().find((d) => d.key === 'echo-a@n1') as DeviceKey],
]);
const configurations = new Set(['soak-cams', 'soak-echo']);

function checker(log = new FaultLog(0)): InvariantChecker {
  return new InvariantChecker({ log, devices, configurations, nodeName });
}

function pod(uid: string, resource: string, deviceIds: string[], extra: Partial<KubeletPod> = {}): KubeletPod {
  return { uid, name: uid, namespace: 'soak', labels: {}, admittedAt: 0, admittedOffline: false, allocations: [{ resource, deviceIds }], ...extra };
}

function kubelet(node: NodeId, pods: KubeletPod[]): NodeKubeletState {
  return { node: nodeName(node), pid: 1, writtenAt: 0, apiReachable: true, registered: [], pods, waiting: [] };
}

function ledger(instances: Array<{ name: string; configuration: string }>, mine: LedgerState['mine']): LedgerState {
  return {
    instances: instances.map((i) => ({ namespace: 'soak', name: i.name, configurationName: i.configuration, capacity: 3, brokerProperties: {}, listsNode: true, remoteUsage: {} })),
    mine,
    pending: [],
  };
}

function instance(name: string, nodes: string[], deviceUsage: Record<string, string> = {}): Instance {
  return { apiVersion: 'akri.sh/v0', kind: 'Instance', metadata: { name, namespace: 'soak' }, spec: { configurationName: name.slice(0, -7), capacity: 3, shared: true, nodes, deviceUsage } } as Instance;
}

function obs(at: number, parts: Partial<Observation> & { instances?: Instance[]; pods?: V1Pod[] }): Observation {
  const api = parts.instances ? { at, instances: parts.instances, pods: parts.pods ?? [], nodes: [], leaseHolder: undefined } : parts.api;
  return { at, api, kubelets: parts.kubelets ?? {}, ledgers: parts.ledgers ?? {} };
}

const ids = (vs: Array<{ invariant: InvariantId }>) => vs.map((v) => v.invariant).sort();
const camLedger = (mine: LedgerState['mine']) => ledger([{ name: CAM, configuration: 'soak-cams' }], mine);
const bothListed = [instance(CAM, [nodeName('n1'), nodeName('n2')]), instance(ECHO_N1, [nodeName('n1')])];

describe('invariant 1: slots', () => {
  it('holds when each pod runs on a slot its own node holds, directly or through a virtual device', () => {
    const c = checker();
    const o = obs(100 * S, {
      kubelets: { n1: kubelet('n1', [pod('a', `akri.sh/${CAM}`, [`${CAM}-0`])]), n2: kubelet('n2', [pod('b', 'akri.sh/soak-cams', ['soak-cams-0'])]) },
      ledgers: { n1: camLedger({ [CAM]: { [`${CAM}-0`]: 'soak-n1' } }), n2: camLedger({ [CAM]: { [`${CAM}-1`]: 'C:soak-cams-0:soak-n2' } }) },
    });
    expect(c.check(o)).toEqual([]);
  });

  it('1a: two pods on one slot, on two nodes', () => {
    const c = checker();
    const o = obs(100 * S, {
      kubelets: { n1: kubelet('n1', [pod('a', `akri.sh/${CAM}`, [`${CAM}-0`])]), n2: kubelet('n2', [pod('b', 'akri.sh/soak-cams', ['soak-cams-0'])]) },
      ledgers: { n1: camLedger({ [CAM]: { [`${CAM}-0`]: 'soak-n1' } }), n2: camLedger({ [CAM]: { [`${CAM}-0`]: 'C:soak-cams-0:soak-n2' } }) },
    });
    expect(ids(c.check(o))).toEqual(['1a']);
  });

  it('1a spares a node taken for lost while it is cut off and for 40 s after, then holds again (restated after the soak, seed 2026)', () => {
    // n2's uplink was cut; the control plane took it for lost and freed its slot, which n1 was
    // given; n2's broker runs on until n2 is back and its kubelet learns it was deleted.
    const c = checker();
    const readyNode = (n: NodeId, ready: string) => ({ metadata: { name: nodeName(n) }, status: { conditions: [{ type: 'Ready', status: ready }] } });
    const twoOnOne = (at: number, n2Ready: string) => ({
      ...obs(at, {
        kubelets: { n1: kubelet('n1', [pod('a', `akri.sh/${CAM}`, [`${CAM}-0`])]), n2: kubelet('n2', [pod('b', `akri.sh/${CAM}`, [`${CAM}-0`])]) },
        ledgers: { n1: camLedger({ [CAM]: { [`${CAM}-0`]: 'soak-n1' } }), n2: camLedger({ [CAM]: { [`${CAM}-0`]: 'soak-n2' } }) },
      }),
      api: { at, instances: [], pods: [], nodes: [readyNode('n1', 'True'), readyNode('n2', n2Ready)], leaseHolder: undefined },
    });
    const slotIds = (vs: Array<{ invariant: InvariantId }>) => ids(vs).filter((i) => i.startsWith('1'));
    expect(slotIds(c.check(twoOnOne(100 * S, 'Unknown')))).toEqual([]);
    expect(slotIds(c.check(twoOnOne(130 * S, 'True')))).toEqual([]);
    expect(slotIds(c.check(twoOnOne(141 * S, 'True')))).toEqual(['1a']);
    // A node never taken for lost is never spared.
    const d = checker();
    expect(slotIds(d.check(twoOnOne(100 * S, 'True')))).toEqual(['1a']);
  });

  it('1b is not asked for an Instance the ledger dropped, even while an older API view still shows it (restated after the soak, seed 2026)', () => {
    const c = checker();
    const o = obs(100 * S, {
      kubelets: { n1: kubelet('n1', [pod('a', `akri.sh/${CAM}`, [`${CAM}-1`])]) },
      ledgers: { n1: ledger([], {}) },
      // The API view from just before the deletion: the slot still held there.
      instances: [instance(CAM, [nodeName('n1'), nodeName('n2')], { [`${CAM}-1`]: 'soak-n1' }), bothListed[1] as Instance],
    });
    expect(c.check(o)).toEqual([]);
    // With the Instance still in the ledger, the same pod is 1b.
    const d = checker();
    expect(ids(d.check({ ...o, ledgers: { n1: camLedger({ [CAM]: {} }) } }))).toEqual(['1b']);
  });

  it("1b: a pod on a slot its node's ledger does not hold; a virtual device bound to no slot", () => {
    const c = checker();
    const o = obs(100 * S, {
      kubelets: { n1: kubelet('n1', [pod('a', `akri.sh/${CAM}`, [`${CAM}-0`]), pod('b', 'akri.sh/soak-cams', ['soak-cams-3'])]) },
      ledgers: { n1: camLedger({ [CAM]: {} }) },
    });
    expect(ids(c.check(o))).toEqual(['1b', '1b']);
  });

  it("1b is not asked for a slot of an Instance that is gone (its device went, its slots with it)", () => {
    const c = checker();
    const bound = obs(100 * S, {
      kubelets: { n1: kubelet('n1', [pod('b', 'akri.sh/soak-cams', ['soak-cams-0'])]) },
      ledgers: { n1: camLedger({ [CAM]: { [`${CAM}-2`]: 'C:soak-cams-0:soak-n1' } }) },
    });
    expect(c.check(bound)).toEqual([]);
    const gone = obs(101 * S, { kubelets: bound.kubelets, ledgers: { n1: ledger([], {}) } });
    expect(c.check(gone)).toEqual([]);
  });

  it("1c: once the node is unimpaired for the slack, the API server's deviceUsage must agree", () => {
    const c = checker();
    const base = {
      kubelets: { n1: kubelet('n1', [pod('a', `akri.sh/${CAM}`, [`${CAM}-0`])]) },
      ledgers: { n1: camLedger({ [CAM]: { [`${CAM}-0`]: 'soak-n1' } }) },
    };
    expect(ids(c.check(obs(100 * S, { ...base, instances: [instance(CAM, [nodeName('n1'), nodeName('n2')], {}), bothListed[1] as Instance] })))).toEqual(['1c']);
    expect(c.check(obs(101 * S, { ...base, instances: [instance(CAM, [nodeName('n1'), nodeName('n2')], { [`${CAM}-0`]: 'soak-n1' }), bothListed[1] as Instance] }))).toEqual([]);
  });

  it("1c waits while the node is cut from the API server, and for its informers' backoff and the slack after", () => {
    const log = new FaultLog(0);
    const cut = log.started({ id: 1, episode: 1, kind: 'api-cut', atMs: 0, durationMs: 1, node: 'n1' }, 50 * S);
    cut.healedAt = 95 * S;
    const c = checker(log);
    const o = obs(100 * S, {
      kubelets: { n1: kubelet('n1', [pod('a', `akri.sh/${CAM}`, [`${CAM}-0`])]) },
      ledgers: { n1: camLedger({ [CAM]: { [`${CAM}-0`]: 'soak-n1' } }) },
      instances: bothListed,
    });
    expect(c.check(o)).toEqual([]);
    // Cut for 45 s: back at 95 s, listing again by 125 s (backoff capped at 30 s), then 10 s of slack.
    expect(c.check({ ...o, at: 134 * S, api: o.api && { ...o.api, at: 134 * S } })).toEqual([]);
    expect(ids(c.check({ ...o, at: 136 * S, api: o.api && { ...o.api, at: 136 * S } }))).toEqual(['1c']);
  });
});

describe('invariant 2: Instances follow what nodes reach', () => {
  it('holds when each Instance lists the nodes that reach its device', () => {
    expect(checker().check(obs(100 * S, { instances: bothListed }))).toEqual([]);
  });

  it('2a: a reachable device without its Instance, once interval + slack have passed', () => {
    const c = checker();
    const bound = (TIMING.discoveryIntervalSeconds + TIMING.slackSeconds) * S;
    const log = new FaultLog(0);
    const late = new InvariantChecker({ log, devices, configurations, nodeName });
    expect(c.check(obs(bound - 1, { instances: [bothListed[1] as Instance] }))).toEqual([]);
    expect(ids(late.check(obs(bound + 1, { instances: [bothListed[1] as Instance] })))).toEqual(['2a', '2a']);
  });

  it('2b: a node that lost a device still listed after grace + slack; not before', () => {
    const log = new FaultLog(0);
    log.reachChanged({ at: 10 * S, what: 'cable', node: 'n2', segment: 'a', up: false });
    const c = new InvariantChecker({ log, devices, configurations, nodeName });
    const within = 10 * S + (TIMING.graceSeconds + TIMING.slackSeconds) * S - 1;
    expect(c.check(obs(within, { instances: bothListed }))).toEqual([]);
    expect(ids(c.check(obs(within + 2, { instances: bothListed })))).toEqual(['2b']);
  });

  it('2c: a device away for less than the grace period must not lose its node', () => {
    const log = new FaultLog(0);
    const c = new InvariantChecker({ log, devices, configurations, nodeName });
    expect(c.check(obs(100 * S, { instances: bothListed }))).toEqual([]);
    log.reachChanged({ at: 101 * S, what: 'echo', node: 'n1', up: false });
    log.reachChanged({ at: 104 * S, what: 'echo', node: 'n1', up: true });
    const dropped = [bothListed[0] as Instance];
    expect(ids(c.check(obs(105 * S, { instances: dropped })))).toEqual(['2c']);
  });

  it('2c is not asked after an absence longer than the grace period', () => {
    const log = new FaultLog(0);
    const c = new InvariantChecker({ log, devices, configurations, nodeName });
    c.check(obs(100 * S, { instances: bothListed }));
    log.reachChanged({ at: 101 * S, what: 'echo', node: 'n1', up: false });
    log.reachChanged({ at: 130 * S, what: 'echo', node: 'n1', up: true });
    expect(c.check(obs(131 * S, { instances: [bothListed[0] as Instance] }))).toEqual([]);
  });

  it('2d: an Instance of no device of the site', () => {
    expect(ids(checker().check(obs(1 * S, { instances: [...bothListed, instance('soak-cams-ffffff', [nodeName('n1')])] })))).toEqual(['2d']);
  });
});

describe('invariant 3: brokers follow what nodes reach', () => {
  it('a broker on a node that lost its device is a violation only after grace + interval + slack', () => {
    const log = new FaultLog(0);
    log.reachChanged({ at: 10 * S, what: 'cable', node: 'n2', segment: 'a', up: false });
    const c = new InvariantChecker({ log, devices, configurations, nodeName });
    const broker = pod('broker', `akri.sh/${CAM}`, [`${CAM}-1`], { labels: { 'akri.sh/instance': CAM } });
    const at = 10 * S + (TIMING.graceSeconds + TIMING.discoveryIntervalSeconds + TIMING.slackSeconds) * S;
    const ledgers = { n2: camLedger({ [CAM]: { [`${CAM}-1`]: 'soak-n2' } }) };
    expect(c.check(obs(at - 1, { kubelets: { n2: kubelet('n2', [broker]) }, ledgers }))).toEqual([]);
    expect(ids(c.check(obs(at + 1, { kubelets: { n2: kubelet('n2', [broker]) }, ledgers })))).toEqual(['3']);
  });
});

describe('invariant 4: restarts and outages', () => {
  it('4a: a slot granted before an agent was killed must still be held after it restarts', () => {
    const log = new FaultLog(0);
    const c = new InvariantChecker({ log, devices, configurations, nodeName });
    const kubelets = { n1: kubelet('n1', [pod('a', `akri.sh/${CAM}`, [`${CAM}-0`])]) };
    c.check(obs(10 * S, { kubelets, ledgers: { n1: camLedger({ [CAM]: { [`${CAM}-0`]: 'soak-n1' } }) } }));
    const kill = log.started({ id: 7, episode: 1, kind: 'agent-kill', atMs: 0, durationMs: 1, node: 'n1' }, 11 * S);
    kill.healedAt = 15 * S;
    expect(c.check(obs(12 * S, { kubelets, ledgers: { n1: camLedger({ [CAM]: { [`${CAM}-0`]: 'soak-n1' } }) } }))).toEqual([]);
    expect(ids(c.check(obs(16 * S, { kubelets, ledgers: { n1: camLedger({ [CAM]: {} }) } })))).toEqual(['1b', '4a']);
  });

  it('4b: a pod admitted while its node was cut off must show Running once the node is back', () => {
    const log = new FaultLog(0);
    const cut = log.started({ id: 1, episode: 1, kind: 'api-cut', atMs: 0, durationMs: 1, node: 'n1' }, 10 * S);
    cut.healedAt = 30 * S;
    const c = new InvariantChecker({ log, devices, configurations, nodeName });
    const admitted = pod('p', `akri.sh/${CAM}`, [`${CAM}-0`], { admittedAt: 20 * S, admittedOffline: true });
    const apiPod = (phase: string) => ({ metadata: { uid: 'p', name: 'p' }, status: { phase } }) as V1Pod;
    const base = {
      kubelets: { n1: kubelet('n1', [admitted]) },
      ledgers: { n1: camLedger({ [CAM]: { [`${CAM}-0`]: 'soak-n1' } }) },
      instances: [instance(CAM, [nodeName('n1'), nodeName('n2')], { [`${CAM}-0`]: 'soak-n1' }), bothListed[1] as Instance],
    };
    // Cut for 20 s: back at 30 s, listing again by 50 s, then 10 s of slack.
    expect(c.check(obs(59 * S, { ...base, pods: [apiPod('Pending')] }))).toEqual([]);
    expect(ids(c.check(obs(61 * S, { ...base, pods: [apiPod('Pending')] })))).toEqual(['4b']);
    expect(c.check(obs(62 * S, { ...base, pods: [apiPod('Running')] }))).toEqual([]);
  });
});
