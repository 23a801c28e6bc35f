// What this node says about a Configuration in its status entry, decided purely from the
// discovery session's state: the summary state, a message, instance count and conditions.
// Also decides whether the entry changed enough to be worth a write (times are ignored).
import type { Condition, InstanceInGrace, NodeDiscoveryStatus } from '../../lib/crd/configuration.ts';
import { MAX_LISTED_IN_GRACE } from '../../lib/crd/status-limits.ts';
import { codeUnitCompare } from '../../lib/naming/natural-order.ts';
import type { EndpointView } from '../discovery/discovery-session.ts';

export interface NodeStatusInput {
  node: string;
  handler: string;
  generation: number | undefined;
  /** Set when discoveryProperties could not be resolved. */
  propertiesError: string | undefined;
  /** The PropertiesResolved condition's reason when they could not (default PropertyUnresolved). */
  propertiesReason?: 'ReferenceNotAllowed' | 'ReferenceUnresolved';
  endpoints: EndpointView[];
  instances: number;
  /** Instances whose device is missing here, in their grace period (any order). */
  inGrace?: InstanceInGrace[];
}

function condition(type: string, ok: boolean, reason: string, message: string): Condition {
  return { type, status: ok ? 'True' : 'False', reason, message };
}

export function nodeStatus(i: NodeStatusInput): NodeDiscoveryStatus {
  const streaming = i.endpoints.filter((e) => e.state === 'Streaming');
  const connecting = i.endpoints.filter((e) => e.state === 'Connecting');
  const invalid = i.endpoints.find((e) => e.state === 'InvalidDetails');
  const registered = i.endpoints.length > 0;
  let state: NodeDiscoveryStatus['state'];
  let message: string;
  if (i.propertiesError) {
    state = 'PropertiesUnresolved';
    message = i.propertiesError;
  } else if (invalid) {
    state = 'InvalidDiscoveryDetails';
    message = `discovery handler ${i.handler} rejected discoveryDetails: ${invalid.error ?? ''}`;
  } else if (!registered) {
    state = 'WaitingForHandler';
    message = `no discovery handler named ${i.handler} has registered on node ${i.node}; waiting for it`;
  } else if (streaming.length === 0 && connecting.length === 0) {
    state = 'HandlerUnavailable';
    message = `discovery handler ${i.handler} is registered but not answering: ${i.endpoints.map((e) => e.error ?? e.state).join('; ')}`;
  } else {
    state = 'Discovering';
    message =
      streaming.length > 0
        ? `${i.instances} instance(s) from ${streaming.length} endpoint(s) of ${i.handler}`
        : `connecting to ${connecting.length} endpoint(s) of ${i.handler}`;
  }
  const conditions: Condition[] = [
    condition(
      'HandlerRegistered',
      registered,
      registered ? 'HandlerRegistered' : 'HandlerNotRegistered',
      registered ? `${i.endpoints.length} endpoint(s) of ${i.handler}` : `no discovery handler named ${i.handler} has registered on node ${i.node}`,
    ),
    condition(
      'DiscoveryDetailsValid',
      !invalid,
      invalid ? 'InvalidDiscoveryDetails' : 'Accepted',
      invalid ? `discovery handler ${i.handler} rejected discoveryDetails: ${invalid.error ?? ''}` : 'not rejected by the handler',
    ),
    condition(
      'PropertiesResolved',
      !i.propertiesError,
      i.propertiesError ? (i.propertiesReason === 'ReferenceNotAllowed' ? 'ReferenceNotAllowed' : 'PropertyUnresolved') : 'Resolved',
      i.propertiesError ?? 'all required discoveryProperties resolved',
    ),
    condition('Discovering', state === 'Discovering', state, message),
  ];
  const inGrace = [...(i.inGrace ?? [])].sort((a, b) => codeUnitCompare(a.leaveAt, b.leaveAt) || codeUnitCompare(a.instance, b.instance));
  return {
    node: i.node,
    state,
    message,
    instances: i.instances,
    ...(inGrace.length > 0 ? { inGrace: inGrace.length, instancesInGrace: inGrace.slice(0, MAX_LISTED_IN_GRACE) } : {}),
    endpoints: i.endpoints.length,
    ...(i.generation !== undefined ? { observedGeneration: i.generation } : {}),
    conditions,
  };
}

/** JSON with keys in sorted order: the API server returns an object's keys sorted, not as written. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function strip(s: NodeDiscoveryStatus): unknown {
  return { ...s, conditions: (s.conditions ?? []).map(({ lastTransitionTime: _t, ...c }) => c) };
}

/** Equal but for the conditions' lastTransitionTime, whichever order the keys come in. */
export function sameNodeStatus(a: NodeDiscoveryStatus | undefined, b: NodeDiscoveryStatus): boolean {
  return a !== undefined && canonical(strip(a)) === canonical(strip(b));
}

/** Carries lastTransitionTime over from the previous entry for conditions whose status held. */
export function withTransitionTimes(next: NodeDiscoveryStatus, prev: NodeDiscoveryStatus | undefined, now: Date): NodeDiscoveryStatus {
  return {
    ...next,
    conditions: (next.conditions ?? []).map((c) => {
      const old = prev?.conditions?.find((p) => p.type === c.type);
      return { ...c, lastTransitionTime: old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now.toISOString() };
    }),
  };
}
