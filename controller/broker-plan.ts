// The controller's decision for one Instance, as a pure function: given what should exist
// (Configuration, Instance, usable nodes) and what does (its broker Pods, Jobs and Service),
// which operations make it so. The shell in broker-controller.ts only carries them out.
import type { V1Job, V1Pod, V1Service } from '@kubernetes/client-node';
import type { Configuration } from '../lib/crd/configuration.ts';
import type { Instance } from '../lib/crd/instance.ts';
import { INSTANCE_LABEL, SPEC_HASH_ANNOTATION, TARGET_NODE_LABEL, brokerPodName, serviceName } from './broker-names.ts';
import { buildInstanceService } from './broker-services.ts';
import { buildBrokerJob, buildBrokerPod } from './broker-workloads.ts';

export type RemovalReason =
  | 'NodeLeft' // the node is no longer in instance.spec.nodes, or is NotReady/gone
  | 'BrokerFailed'
  | 'BrokerSucceeded'
  | 'SpecChanged' // the Configuration's broker spec changed: replaced, a few at a time
  | 'NoBrokerSpec' // the Configuration no longer asks for this kind of broker
  | 'NoBroker'; // a Service with no Running broker behind it

export type BrokerOperation =
  | { kind: 'createPod'; pod: V1Pod; node: string; recreate: boolean }
  | { kind: 'deletePod'; name: string; node: string; reason: RemovalReason }
  | { kind: 'createJob'; job: V1Job }
  | { kind: 'deleteJob'; name: string; reason: RemovalReason }
  | { kind: 'applyService'; service: V1Service }
  | { kind: 'deleteService'; name: string; reason: RemovalReason };

export interface BrokerPlanInput {
  configuration: Configuration;
  instance: Instance;
  /** Pods labelled with this Instance: its pod brokers and its Jobs' pods. */
  pods: readonly V1Pod[];
  /** Jobs labelled with this Instance. */
  jobs: readonly V1Job[];
  /** The existing `<instance>-svc`, if any. */
  service: V1Service | undefined;
  /** Nodes that exist and are Ready. */
  usableNodes: ReadonlySet<string>;
  /** How many more brokers of this Configuration may be replaced for a spec change right now. */
  rolloutBudget: number;
  /** Earliest time (ms) a pod of that name may be created again: recreation backs off. */
  recreateNotBefore: (podName: string) => number;
  /** The pod names this controller has created before (a missing one is then a recreation). */
  createdBefore: (podName: string) => boolean;
  now: number;
}

export interface BrokerPlan {
  operations: BrokerOperation[];
  /** Reconcile again after this long (a recreation waiting out its backoff). */
  requeueAfterMs?: number;
  /** Spec-change replacements planned: the caller subtracts them from the Configuration's budget. */
  replacements: number;
}

function isTerminating(o: { metadata?: { deletionTimestamp?: unknown } }): boolean {
  return o.metadata?.deletionTimestamp !== undefined && o.metadata.deletionTimestamp !== null;
}

function isOwnedByInstance(pod: V1Pod): boolean {
  return (pod.metadata?.ownerReferences ?? []).some((o) => o.controller === true && o.kind === 'Instance');
}

/** A Running broker not on its way out: what Services wait for. */
export function isServingBroker(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && !isTerminating(pod);
}

/** Pods older than akri-ts carry no hash; they are adopted as they are rather than replaced. */
function hashDiffers(existing: { metadata?: { annotations?: Record<string, string> } }, desired: { metadata?: { annotations?: Record<string, string> } }): boolean {
  const have = existing.metadata?.annotations?.[SPEC_HASH_ANNOTATION];
  return have !== undefined && have !== desired.metadata?.annotations?.[SPEC_HASH_ANNOTATION];
}

/** The nodes that should run a pod broker: every usable node for a shared device, its one node for a local device. */
export function brokerNodes(instance: Instance, usableNodes: ReadonlySet<string>): string[] {
  const usable = (instance.spec.nodes ?? []).filter((n) => usableNodes.has(n));
  return instance.spec.shared ? usable : usable.slice(0, 1);
}

export function planBrokers(input: BrokerPlanInput): BrokerPlan {
  const { configuration, instance, now } = input;
  const operations: BrokerOperation[] = [];
  let requeueAfterMs: number | undefined;
  let budget = input.rolloutBudget;
  let replacements = 0;
  const instanceName = instance.metadata.name ?? '';
  const shared = instance.spec.shared ?? false;

  // Pod brokers: exactly one per broker node, named for it.
  const podBrokers = input.pods.filter(isOwnedByInstance);
  const wantPods = configuration.spec.brokerSpec?.brokerPodSpec !== undefined && configuration.spec.brokerSpec.brokerPodSpec !== null;
  const desiredNames = new Map<string, string>();
  if (wantPods) for (const node of brokerNodes(instance, input.usableNodes)) desiredNames.set(brokerPodName(instanceName, node, shared), node);

  for (const pod of podBrokers) {
    const name = pod.metadata?.name ?? '';
    const node = pod.metadata?.labels?.[TARGET_NODE_LABEL] ?? pod.spec?.nodeName ?? '';
    if (isTerminating(pod)) continue;
    if (!desiredNames.has(name)) {
      operations.push({ kind: 'deletePod', name, node, reason: wantPods ? 'NodeLeft' : 'NoBrokerSpec' });
      continue;
    }
    const phase = pod.status?.phase;
    if (phase === 'Failed' || phase === 'Succeeded') {
      operations.push({ kind: 'deletePod', name, node, reason: phase === 'Failed' ? 'BrokerFailed' : 'BrokerSucceeded' });
      continue;
    }
    // Pending is tolerated: whether the node has a free slot is the kubelet's to decide.
    const desired = buildBrokerPod(configuration, instance, node);
    if (desired && hashDiffers(pod, desired)) {
      if (budget > 0) {
        budget--;
        replacements++;
        operations.push({ kind: 'deletePod', name, node, reason: 'SpecChanged' });
      }
    }
  }
  const present = new Set(podBrokers.map((p) => p.metadata?.name ?? ''));
  for (const [name, node] of desiredNames) {
    if (present.has(name)) continue;
    const notBefore = input.recreateNotBefore(name);
    if (notBefore > now) {
      requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, notBefore - now);
      continue;
    }
    const pod = buildBrokerPod(configuration, instance, node);
    if (pod) operations.push({ kind: 'createPod', pod, node, recreate: input.createdBefore(name) });
  }

  // Job brokers: one per Instance, named after the Configuration's generation.
  const desiredJob = buildBrokerJob(configuration, instance);
  for (const job of input.jobs) {
    if (isTerminating(job) || job.metadata?.name === desiredJob?.metadata?.name) continue;
    operations.push({ kind: 'deleteJob', name: job.metadata?.name ?? '', reason: desiredJob ? 'SpecChanged' : 'NoBrokerSpec' });
  }
  if (desiredJob && !input.jobs.some((j) => j.metadata?.name === desiredJob.metadata?.name)) {
    operations.push({ kind: 'createJob', job: desiredJob });
  }

  // The Instance Service: present while a broker of this Instance is Running.
  const desiredService = buildInstanceService(configuration, instance);
  const serving = input.pods.some((p) => p.metadata?.labels?.[INSTANCE_LABEL] === instanceName && isServingBroker(p));
  if (desiredService && serving) {
    if (!input.service || input.service.metadata?.annotations?.[SPEC_HASH_ANNOTATION] !== desiredService.metadata?.annotations?.[SPEC_HASH_ANNOTATION]) {
      operations.push({ kind: 'applyService', service: desiredService });
    }
  } else if (input.service && !isTerminating(input.service)) {
    operations.push({ kind: 'deleteService', name: serviceName(instanceName), reason: desiredService ? 'NoBroker' : 'NoBrokerSpec' });
  }

  return { operations, replacements, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
}
