import { describe, expect, it } from 'vitest';
import { FaultLog, RELIST_BACKOFF_CAP_MS, settledAt } from './fault-log.ts';
import type { PlannedFault } from './fault-schedule.ts';
import { allDevices, type DeviceKey } from './site-plan.ts';

const device = (key: string): DeviceKey => {
  const d = allDevices().find((x) => x.key === key);
  if (!d) throw new Error(key);
  return d;
};
const fault = (kind: PlannedFault['kind'], extra: Partial<PlannedFault> = {}): PlannedFault => ({ id: 1, episode: 1, kind, atMs: 0, durationMs: 1000, ...extra });

describe('what a node can reach, from the fault log', () => {
  it('a network device is reached by the nodes of its segment, and by no other', () => {
    const log = new FaultLog(0);
    expect(log.reachers(device('cam'), 10)).toEqual(['n1', 'n2']);
    expect(log.reachers(device('plant'), 10)).toEqual(['n2', 'n3']);
    expect(log.reachable(device('cam'), 'n3', 10)).toBe(false);
  });

  it('a pulled cable takes the devices behind it from that node only, from when it was pulled until it is back', () => {
    const log = new FaultLog(0);
    log.reachChanged({ at: 100, what: 'cable', node: 'n2', segment: 'b', up: false });
    log.reachChanged({ at: 200, what: 'cable', node: 'n2', segment: 'b', up: true });
    expect(log.reachState(device('plc'), 'n2', 150)).toEqual({ reachable: false, since: 100 });
    expect(log.reachState(device('plc'), 'n2', 250)).toEqual({ reachable: true, since: 200 });
    expect(log.reachState(device('plc'), 'n3', 150)).toEqual({ reachable: true, since: 0 });
    expect(log.reachState(device('cam'), 'n2', 150)).toEqual({ reachable: true, since: 0 });
  });

  it("a killed device is gone for every node; a local device goes with its node's handler or availability", () => {
    const log = new FaultLog(0);
    log.reachChanged({ at: 10, what: 'device', device: 'cam', up: false });
    log.reachChanged({ at: 20, what: 'handler', node: 'n3', up: false });
    log.reachChanged({ at: 30, what: 'echo', node: 'n1', up: false });
    expect(log.reachers(device('cam'), 40)).toEqual([]);
    expect(log.reachable(device('echo-a@n3'), 'n3', 40)).toBe(false);
    expect(log.reachable(device('echo-b@n1'), 'n1', 40)).toBe(false);
    expect(log.reachable(device('echo-a@n2'), 'n2', 40)).toBe(true);
  });

  it("a node's pipeline is impaired while its agent, kubelet or uplink is down, or the API server, etcd or the controller is, and until the last heal", () => {
    const log = new FaultLog(0);
    const kill = log.started(fault('agent-kill', { node: 'n1' }), 100);
    expect(log.impairedUntil('n1', 150)).toBe(Infinity);
    expect(log.impairedUntil('n2', 150)).toBe(0);
    kill.healedAt = 200;
    expect(log.impairedUntil('n1', 250)).toBe(200);
    // Asked about a time before the heal, the fault still lasts then.
    expect(log.impairedUntil('n1', 150)).toBe(Infinity);
    const stop = log.started(fault('apiserver-stop'), 300);
    stop.healedAt = 400;
    // An outage of the API server lasts as long again past its heal (the informers' backoff).
    expect(log.impairedUntil('n2', 500)).toBe(500);
    expect(log.anyActive(350)).toBe(true);
    expect(log.anyActive(450)).toBe(false);
    // Reach changes are not impairments: a cut cable is the fact the node must follow.
    log.started(fault('device-cut', { node: 'n3', segment: 'b' }), 600);
    expect(log.impairedUntil('n3', 700)).toBe(500);
  });

  it('a cut of the API server lasts past its heal by the informers\' backoff, at most 30 s (found by the soak, seed 2026)', () => {
    const log = new FaultLog(0);
    const cut = log.started(fault('api-cut', { node: 'n2' }), 1000);
    cut.healedAt = 1000 + 89_000;
    expect(log.impairedUntil('n2', 95_000)).toBe(90_000 + RELIST_BACKOFF_CAP_MS);
    // The quiet of invariant 5 starts there too.
    expect(settledAt(cut)).toBe(90_000 + RELIST_BACKOFF_CAP_MS);
    expect(log.impairedUntil('n1', 95_000)).toBe(0);
    const pause = log.started(fault('etcd-pause'), 200_000);
    pause.healedAt = 208_000;
    expect(log.impairedUntil('n1', 300_000)).toBe(216_000);
    // A kill is not an outage of the API server: the restarted process lists at once.
    const kill = log.started(fault('kubelet-restart', { node: 'n3' }), 400_000);
    kill.healedAt = 403_000;
    expect(log.impairedUntil('n3', 500_000)).toBe(403_000);
  });
});
