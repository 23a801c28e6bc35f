// The two edits Akri makes to a user's broker pod spec: {{PLACEHOLDER}} becomes the Instance's
// device-plugin resource, and (for pod brokers) the pod is pinned to one node.
import type { V1Container, V1NodeSelectorTerm, V1PodSpec } from '@kubernetes/client-node';
import { PLACEHOLDER } from './broker-names.ts';

function replaceKey(map: Record<string, string> | undefined, resource: string): Record<string, string> | undefined {
  if (!map || !(PLACEHOLDER in map)) return map;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) out[k === PLACEHOLDER ? resource : k] = v;
  return out;
}

function substituteContainer(c: V1Container, resource: string): V1Container {
  if (!c.resources) return c;
  const requests = replaceKey(c.resources.requests as Record<string, string> | undefined, resource);
  const limits = replaceKey(c.resources.limits as Record<string, string> | undefined, resource);
  return {
    ...c,
    resources: { ...c.resources, ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) },
  };
}

/** Returns a copy of `spec` with {{PLACEHOLDER}} in every container's and initContainer's requests and limits replaced. */
export function substitutePlaceholder(spec: V1PodSpec, resource: string): V1PodSpec {
  return {
    ...spec,
    containers: spec.containers.map((c) => substituteContainer(c, resource)),
    ...(spec.initContainers ? { initContainers: spec.initContainers.map((c) => substituteContainer(c, resource)) } : {}),
  };
}

/**
 * Returns a copy of `spec` that can only be scheduled onto `node`. nodeSelectorTerms are ORed,
 * so Akri's way (appending a term of its own) pins nothing when the user already has a term:
 * here the pin is ANDed into every user term, and is the only term when there is none.
 */
export function pinToNode(spec: V1PodSpec, node: string): V1PodSpec {
  const pin = { key: 'metadata.name', operator: 'In', values: [node] };
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const userTerms: V1NodeSelectorTerm[] = required?.nodeSelectorTerms ?? [];
  const terms: V1NodeSelectorTerm[] =
    userTerms.length === 0 ? [{ matchFields: [pin] }] : userTerms.map((t) => ({ ...t, matchFields: [...(t.matchFields ?? []), pin] }));
  return {
    ...spec,
    affinity: {
      ...spec.affinity,
      nodeAffinity: {
        ...spec.affinity?.nodeAffinity,
        requiredDuringSchedulingIgnoredDuringExecution: { ...required, nodeSelectorTerms: terms },
      },
    },
  };
}
