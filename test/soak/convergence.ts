// When the system has converged after faults, for the report's convergence times: the API
// server answers; every device's Instance lists exactly the nodes that reach it now (and a device
// no node reaches has none); every Instance has a broker admitted on each node it lists and none
// elsewhere; every slot a pod runs on is held for it in deviceUsage; no agent has slot writes
// queued; and no node holds a slot in deviceUsage that its ledger has let go. Pure.
import type { FaultLog } from './fault-log.ts';
import type { Observation } from './observation.ts';
import { runningSlots } from './running-slots.ts';
import { NODE_IDS, type DeviceKey, type NodeId } from './site-plan.ts';
import { heldBy, parseHolder } from '../../agent/device-plugin/slot-usage.ts';

export interface ConvergenceContext {
  log: FaultLog;
  devices: ReadonlyMap<string, DeviceKey>;
  configurations: ReadonlySet<string>;
  nodeName: (n: NodeId) => string;
}

/** Undefined when converged, else the first thing that is not (for logs). */
export function notConverged(ctx: ConvergenceContext, obs: Observation): string | undefined {
  const api = obs.api;
  if (!api) return 'the API server does not answer';
  for (const n of NODE_IDS) {
    if (!obs.kubelets[n]) return `no state from ${n}'s kubelet`;
    if ((obs.ledgers[n]?.pending.length ?? 0) > 0) return `${n}'s agent has slot writes queued`;
  }
  const instances = new Map(api.instances.map((i) => [i.metadata.name ?? '', i]));
  for (const [name, d] of ctx.devices) {
    const want = ctx.log.reachers(d, api.at).map(ctx.nodeName).sort();
    const inst = instances.get(name);
    const have = inst && !inst.metadata.deletionTimestamp ? [...(inst.spec.nodes ?? [])].sort() : [];
    if (want.join() !== have.join()) return `Instance ${name} (${d.key}) lists [${have.join(', ')}], reach is [${want.join(', ')}]`;
    if (want.length === 0 && inst) return `Instance ${name} (${d.key}) still exists, no node reaches it`;
  }
  for (const [name, inst] of instances) {
    if (!ctx.devices.has(name)) return `Instance ${name} is no device's`;
    for (const node of inst.spec.nodes ?? []) {
      const n = NODE_IDS.find((x) => ctx.nodeName(x) === node);
      const runs = n && obs.kubelets[n]?.pods.some((p) => p.labels['akri.sh/instance'] === name);
      if (!runs) return `no broker of ${name} admitted on ${node}`;
    }
  }
  for (const n of NODE_IDS) {
    for (const p of obs.kubelets[n]?.pods ?? []) {
      const instance = p.labels['akri.sh/instance'];
      const inst = instance ? instances.get(instance) : undefined;
      if (instance && !(inst?.spec.nodes ?? []).includes(ctx.nodeName(n))) return `broker ${p.name} still runs on ${n}`;
    }
  }
  const { slots } = runningSlots(obs.kubelets, obs.ledgers, ctx.configurations, ctx.nodeName);
  for (const s of slots) {
    const inst = instances.get(s.instance);
    if (inst && inst.spec.deviceUsage?.[s.slot] !== s.holder) return `slot ${s.slot} of pod ${s.pod.name} is "${inst.spec.deviceUsage?.[s.slot] ?? ''}" in deviceUsage`;
  }
  for (const inst of api.instances) {
    for (const [slot, value] of Object.entries(inst.spec.deviceUsage ?? {})) {
      const n = NODE_IDS.find((x) => heldBy(parseHolder(value), ctx.nodeName(x)));
      if (n && obs.ledgers[n]?.mine[inst.metadata.name ?? '']?.[slot] !== value) return `deviceUsage says ${n} holds ${slot}; its ledger does not`;
    }
  }
  return undefined;
}
