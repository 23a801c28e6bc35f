// Reading `helm template` output as objects, for assertions about what the chart renders.
import { parseAllDocuments } from 'yaml';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

export function manifests(yamlText: string): Manifest[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null && typeof m === 'object' && typeof m.kind === 'string');
}

export function find(all: Manifest[], kind: string, name: string): Manifest {
  const m = all.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name} rendered; have: ${all.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return m;
}

interface PodTemplateOwner {
  spec: { template: { spec: PodSpecView } };
}
export interface PodSpecView {
  hostNetwork?: boolean;
  serviceAccountName?: string;
  containers: Array<{ name: string; args?: string[]; env?: Array<{ name: string; value?: string }>; securityContext?: Record<string, unknown>; volumeMounts?: Array<{ name: string; mountPath: string }>; terminationMessagePath?: string; ports?: Array<{ name?: string; containerPort: number }>; livenessProbe?: { httpGet?: { path: string; port: string | number } } }>;
  volumes?: Array<{ name: string; hostPath?: { path: string } }>;
}

export function podSpec(m: Manifest): PodSpecView {
  return (m as unknown as PodTemplateOwner).spec.template.spec;
}

/** The value after a "--flag" argument, or undefined. */
export function argValue(args: string[] | undefined, flag: string): string | undefined {
  const i = (args ?? []).indexOf(flag);
  return i < 0 ? undefined : args?.[i + 1];
}
