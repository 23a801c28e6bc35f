// The soak's faults, drawn from its seed: a pure function from (seed, length of the fault
// phase) to a list of faults, so that a seed always gives the same schedule (the timing of a
// loaded machine does not: the invariants must hold anyway). Faults come in episodes of one to
// several at once ("everything at once"), each followed by a quiet gap in which the system
// must converge; the first episodes take the kinds not yet used, so every kind is injected
// when the run is long enough.
import { pick, seededRandom, type Random } from '../hostile/support/seeded-random.ts';
import { ECHO_CONFIGURATION, NETWORK_DEVICES, NODE_IDS, SEGMENTS, SEGMENT_IDS, type NetworkDeviceId, type NodeId, type SegmentId } from './site-plan.ts';

export const FAULT_KINDS = [
  'agent-kill',
  'handler-kill',
  'leader-kill',
  'apiserver-stop',
  'etcd-pause',
  'kubelet-restart',
  'device-cut',
  'api-cut',
  'config-burst',
  'device-flap',
  'device-down',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

type Target = 'node' | 'cable' | 'device' | 'cluster';

/** How long each kind lasts (ms) and what it hits. Durations shrink in short runs, never below min. */
const KINDS: Record<FaultKind, { minMs: number; maxMs: number; target: Target; what: string }> = {
  'agent-kill': { minMs: 1000, maxMs: 20_000, target: 'node', what: "SIGKILL the node's agent; start it again after" },
  'handler-kill': { minMs: 1000, maxMs: 20_000, target: 'node', what: "SIGKILL the node's external debugEcho handler; start it again after" },
  'leader-kill': { minMs: 1000, maxMs: 10_000, target: 'cluster', what: 'SIGKILL the controller replica holding the Lease; start it again after' },
  'apiserver-stop': { minMs: 10_000, maxMs: 90_000, target: 'cluster', what: 'stop kube-apiserver; start it again after' },
  'etcd-pause': { minMs: 3000, maxMs: 30_000, target: 'cluster', what: 'SIGSTOP etcd; SIGCONT after' },
  'kubelet-restart': { minMs: 1000, maxMs: 5000, target: 'node', what: "SIGKILL the node's kubelet; start it again after (sockets deleted, kubelet.sock anew)" },
  'device-cut': { minMs: 10_000, maxMs: 60_000, target: 'cable', what: "pull the cable between a node and a device segment; plug it back after" },
  'api-cut': { minMs: 10_000, maxMs: 90_000, target: 'node', what: "pull the node's uplink to the API server (agent and kubelet); plug it back after" },
  'config-burst': { minMs: 5000, maxMs: 15_000, target: 'cluster', what: 'edit Configurations in a burst (broker env, brokerProperties, discovery interval)' },
  'device-flap': { minMs: 20_000, maxMs: 40_000, target: 'node', what: "the node's local debugEcho devices go and come back faster than the grace period" },
  'device-down': { minMs: 10_000, maxMs: 60_000, target: 'device', what: 'SIGKILL a network device (camera, OPC UA server, Modbus unit); start it again after' },
};

export function describeKind(kind: FaultKind): string {
  return KINDS[kind].what;
}

export type EditField = 'broker-env' | 'broker-properties' | 'discovery-interval';

export interface ConfigurationEdit {
  atMs: number;
  configuration: string;
  field: EditField;
}

export interface PlannedFault {
  /** Position in the schedule, from 1. */
  id: number;
  episode: number;
  kind: FaultKind;
  /** Offset from the start of the fault phase. */
  atMs: number;
  durationMs: number;
  node?: NodeId;
  segment?: SegmentId;
  device?: NetworkDeviceId;
  /** device-flap: the lengths of the off and on phases, alternating, starting with off. */
  flapMs?: number[];
  /** config-burst: the edits, at offsets from the fault's start. */
  edits?: ConfigurationEdit[];
}

export interface FaultSchedule {
  seed: number;
  faultPhaseMs: number;
  faults: PlannedFault[];
}

/** Runs shorter than this pack more faults into each episode, so that they still see most kinds. */
const SHORT_RUN_MS = 300_000;
const CONFIGURATIONS = [...NETWORK_DEVICES.map((d) => d.configuration), ECHO_CONFIGURATION];
const EDIT_FIELDS: EditField[] = ['broker-env', 'broker-properties', 'discovery-interval'];

function between(random: Random, min: number, max: number): number {
  return Math.round(min + random() * (max - min));
}

function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The target of one fault of `kind`, avoiding what the episode already hits; undefined when none is left. */
function chooseTarget(random: Random, kind: FaultKind, taken: PlannedFault[]): Pick<PlannedFault, 'node' | 'segment' | 'device'> | undefined {
  const same = taken.filter((f) => f.kind === kind);
  switch (KINDS[kind].target) {
    case 'cluster':
      return same.length === 0 ? {} : undefined;
    case 'node': {
      const free = NODE_IDS.filter((n) => !same.some((f) => f.node === n));
      return free.length > 0 ? { node: pick(random, free) } : undefined;
    }
    case 'cable': {
      const cables = SEGMENT_IDS.flatMap((segment) => SEGMENTS[segment].map((node) => ({ node: node as NodeId, segment })));
      const free = cables.filter((c) => !same.some((f) => f.node === c.node && f.segment === c.segment));
      return free.length > 0 ? pick(random, free) : undefined;
    }
    case 'device': {
      const free = NETWORK_DEVICES.map((d) => d.id).filter((d) => !same.some((f) => f.device === d));
      return free.length > 0 ? { device: pick(random, free) } : undefined;
    }
  }
}

function details(random: Random, kind: FaultKind, durationMs: number): Pick<PlannedFault, 'flapMs' | 'edits'> {
  if (kind === 'device-flap') {
    // Off and on for 1-4 s each: every absence is far shorter than the grace period.
    const flapMs: number[] = [];
    let total = 0;
    while (total < durationMs) {
      const phase = between(random, 1000, 4000);
      flapMs.push(phase);
      total += phase;
    }
    if (flapMs.length % 2 === 1) flapMs.push(between(random, 1000, 4000)); // ends online
    return { flapMs };
  }
  if (kind === 'config-burst') {
    const count = between(random, 5, 20);
    const edits = Array.from({ length: count }, () => ({
      atMs: between(random, 0, durationMs),
      configuration: pick(random, CONFIGURATIONS),
      field: pick(random, EDIT_FIELDS),
    })).sort((a, b) => a.atMs - b.atMs);
    return { edits };
  }
  return {};
}

/** The schedule for a seed; `faultPhaseMs` is how long faults may be active. */
export function planFaults(seed: number, faultPhaseMs: number): FaultSchedule {
  const random = seededRandom(seed);
  const short = faultPhaseMs < SHORT_RUN_MS;
  // Durations scale down in short runs so that an episode and its quiet gap fit.
  const longest = (kind: FaultKind) => Math.max(KINDS[kind].minMs, Math.min(KINDS[kind].maxMs, short ? faultPhaseMs * 0.3 : KINDS[kind].maxMs));
  let unused = shuffled(random, FAULT_KINDS);
  const faults: PlannedFault[] = [];
  let t = 0;
  for (let episode = 1; t < faultPhaseMs; episode++) {
    const size = short ? between(random, 4, 6) : pick(random, [1, 1, 1, 2, 2, 3, 4]);
    const members: PlannedFault[] = [];
    for (let i = 0, tries = 0; members.length < size && tries < 30; tries++, i++) {
      const kind = unused[0] ?? pick(random, FAULT_KINDS);
      const target = chooseTarget(random, kind, members);
      if (!target) {
        if (unused[0] === kind) unused = [...unused.slice(1), kind];
        continue;
      }
      if (unused[0] === kind) unused = unused.slice(1);
      const atMs = t + between(random, 0, short ? 5000 : 10_000);
      const durationMs = between(random, KINDS[kind].minMs, longest(kind));
      if (atMs + durationMs > faultPhaseMs) continue;
      members.push({ id: 0, episode, kind, atMs, durationMs, ...target, ...details(random, kind, durationMs) });
    }
    if (members.length === 0) break;
    members.sort((a, b) => a.atMs - b.atMs);
    faults.push(...members);
    const end = Math.max(...members.map((f) => f.atMs + f.durationMs));
    t = end + (short ? between(random, 20_000, 30_000) : between(random, 45_000, 90_000));
  }
  faults.forEach((f, i) => (f.id = i + 1));
  return { seed, faultPhaseMs, faults };
}

export function formatFault(f: PlannedFault): string {
  const target = [f.node, f.segment && `segment ${f.segment}`, f.device].filter(Boolean).join(' ');
  const extra = f.edits ? ` (${f.edits.length} edits)` : f.flapMs ? ` (${f.flapMs.length / 2} off/on cycles)` : '';
  return `#${f.id} episode ${f.episode} +${(f.atMs / 1000).toFixed(1)}s ${f.kind}${target ? ` ${target}` : ''} for ${(f.durationMs / 1000).toFixed(1)}s${extra}`;
}

export function formatSchedule(s: FaultSchedule): string {
  return [`fault schedule for seed ${s.seed} (${s.faults.length} faults in ${(s.faultPhaseMs / 1000).toFixed(0)} s):`, ...s.faults.map((f) => `  ${formatFault(f)}`)].join('\n');
}
