// The two edits Akri makes to a user's broker pod spec: {{PLACEHOLDER}} becomes the Instance's
// device-plugin resource, and (for pod brokers) the pod is pinned to one node. akri-ts: in DRA
// mode {{PLACEHOLDER}} becomes a claim on the Instance's ResourceClaimTemplate instead.
import type { V1Container, V1NodeSelectorTerm, V1PodSpec } from '@kubernetes/client-node';
import { BROKER_CLAIM_NAME } from '../lib/dra/broker-claim.ts';
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

/** The map without {{PLACEHOLDER}}; undefined when nothing else is left (the API server drops an empty map). */
function withoutPlaceholder(map: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!map || !(PLACEHOLDER in map)) return map;
  const { [PLACEHOLDER]: _dropped, ...rest } = map;
  return Object.keys(rest).length ? rest : undefined;
}

function claimContainer(c: V1Container): { container: V1Container; claims: boolean } {
  const requests = c.resources?.requests as Record<string, string> | undefined;
  const limits = c.resources?.limits as Record<string, string> | undefined;
  if (!(requests && PLACEHOLDER in requests) && !(limits && PLACEHOLDER in limits)) return { container: c, claims: false };
  const r = withoutPlaceholder(requests);
  const l = withoutPlaceholder(limits);
  const { requests: _r, limits: _l, ...others } = c.resources ?? {};
  return {
    container: {
      ...c,
      resources: { ...others, ...(r ? { requests: r } : {}), ...(l ? { limits: l } : {}), claims: [...(c.resources?.claims ?? []), { name: BROKER_CLAIM_NAME }] },
    },
    claims: true,
  };
}

/**
 * DRA mode: returns a copy of `spec` in which every container (and initContainer) that asks for
 * {{PLACEHOLDER}} uses the pod's claim `akri-device` instead, made from `template` (the
 * Instance's ResourceClaimTemplate). A spec without {{PLACEHOLDER}} gets no claim, as it gets no
 * device-plugin resource in device-plugin mode.
 */
export function claimForPlaceholder(spec: V1PodSpec, template: string): V1PodSpec {
  const containers = spec.containers.map(claimContainer);
  const inits = spec.initContainers?.map(claimContainer);
  const used = [...containers, ...(inits ?? [])].some((c) => c.claims);
  return {
    ...spec,
    containers: containers.map((c) => c.container),
    ...(inits ? { initContainers: inits.map((c) => c.container) } : {}),
    ...(used ? { resourceClaims: [...(spec.resourceClaims ?? []), { name: BROKER_CLAIM_NAME, resourceClaimTemplateName: template }] } : {}),
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
