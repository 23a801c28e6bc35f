// kubeconform's schemas, generated from a running API server instead of downloaded (the
// default, github.com/yannh/kubernetes-json-schema, is not reachable here, and a live apiserver
// of the pinned version is the better source anyway: it also publishes our installed CRDs).
// Reads /openapi/v2 and writes one standalone JSON schema per kind, named as kubeconform's
// `-schema-location '<dir>/{{ .ResourceKind }}{{ .KindSuffix }}.json'` looks it up:
// deployment-apps-v1.json, pod-v1.json, configuration-akri-v0.json.
// "Strict" as kubeconform's -strict schemas are: every object that lists its properties gets
// additionalProperties: false, so a misspelt field in a template fails validation.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubeRequest, type KubeEndpoint } from '../../lib/kube/raw-request.ts';

type JsonSchema = { [key: string]: unknown };
interface OpenApiV2 {
  definitions: Record<string, JsonSchema>;
}
interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

const REF = '#/definitions/';

/** Definitions whose wire form is looser than their declared type. */
const LOOSE: Record<string, JsonSchema> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { oneOf: [{ type: 'string' }, { type: 'integer' }] },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { oneOf: [{ type: 'string' }, { type: 'number' }] },
};

function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as JsonSchema).map(([p, s]) => [p, strict(s)])) : strict(v);
  if (out['x-kubernetes-int-or-string'] === true) return { oneOf: [{ type: 'string' }, { type: 'integer' }] };
  if (out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  return out;
}

function refsOf(schema: unknown, into: Set<string>): void {
  if (Array.isArray(schema)) for (const s of schema) refsOf(s, into);
  else if (schema && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF)) into.add(v.slice(REF.length));
      else refsOf(v, into);
    }
  }
}

function closure(defs: Record<string, JsonSchema>, root: string): Set<string> {
  const seen = new Set<string>([root]);
  const todo = [root];
  for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
    const found = new Set<string>();
    refsOf(defs[name], found);
    for (const f of found) if (!seen.has(f)) (seen.add(f), todo.push(f));
  }
  return seen;
}

/** kubeconform's KindSuffix: "-<first label of the group>-<version>", or "-<version>" for core. */
export function kindSuffix(group: string, version: string): string {
  return group ? `-${group.split('.')[0]}-${version}` : `-${version}`;
}

/** Writes the schemas into dir; returns the file names written. */
export async function writeKubeconformSchemas(kc: KubeEndpoint, dir: string): Promise<string[]> {
  const spec = await kubeRequest<OpenApiV2>(kc, { method: 'GET', path: '/openapi/v2', timeoutMs: 60_000 });
  const defs: Record<string, JsonSchema> = {};
  for (const [name, def] of Object.entries(spec.definitions)) defs[name] = LOOSE[name] ?? (strict(def) as JsonSchema);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, def] of Object.entries(spec.definitions)) {
    const gvks = def['x-kubernetes-group-version-kind'] as GroupVersionKind[] | undefined;
    if (!gvks || gvks.length !== 1) continue; // several: shared meta kinds (DeleteOptions, WatchEvent)
    const [gvk] = gvks as [GroupVersionKind];
    const used = closure(defs, name);
    used.delete(name);
    const file = `${gvk.kind.toLowerCase()}${kindSuffix(gvk.group, gvk.version)}.json`;
    const standalone = { ...defs[name], definitions: Object.fromEntries([...used].map((n) => [n, defs[n]])) };
    writeFileSync(join(dir, file), JSON.stringify(standalone));
    written.push(file);
  }
  return written;
}

/** The -schema-location argument for a directory written by writeKubeconformSchemas. */
export function schemaLocation(dir: string): string {
  return `${dir}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
}
