// `kubectl auth can-i --list` for each of the chart's ServiceAccounts, computed from the
// rendered Roles, ClusterRoles and bindings rather than typed by hand: rules are broken down to
// one resource (and name) each and their verbs merged, as kubectl does, and printed in its
// four columns. docs/rbac.md is written from this (write-rbac-doc.ts) and checked against it.
import type { Manifest } from './rendered.ts';

export interface CanIRow {
  /** `resource[.group][/subresource]`, as kubectl prints it. */
  resource: string;
  resourceName: string;
  verbs: string[];
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
}
interface Binding {
  kind: string;
  metadata: { name: string; namespace?: string };
  roleRef: { kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string }>;
}

/** kubectl's CombineResourceGroup: "configurations/status" in "akri.sh" is "configurations.akri.sh/status". */
export function combineResourceGroup(resource: string, group: string): string {
  const [base = '', sub] = resource.split('/', 2);
  return `${base}${group ? `.${group}` : ''}${sub ? `/${sub}` : ''}`;
}

/**
 * What the ServiceAccount may do in `namespace`: its ClusterRoleBindings plus the RoleBindings
 * in that namespace (undefined: cluster-wide grants only).
 */
export function canIList(all: Manifest[], serviceAccount: { name: string; namespace: string }, namespace: string | undefined): CanIRow[] {
  const rows = new Map<string, CanIRow>();
  const bindings = all.filter((m) => m.kind === 'ClusterRoleBinding' || (m.kind === 'RoleBinding' && m.metadata.namespace === namespace)) as unknown as Binding[];
  for (const b of bindings) {
    const bound = (b.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === serviceAccount.name && s.namespace === serviceAccount.namespace);
    if (!bound) continue;
    const role = all.find((m) => m.kind === b.roleRef.kind && m.metadata.name === b.roleRef.name && (m.kind === 'ClusterRole' || m.metadata.namespace === b.metadata.namespace));
    if (!role) throw new Error(`${b.kind} ${b.metadata.name} refers to ${b.roleRef.kind} ${b.roleRef.name}, which the chart does not render`);
    for (const rule of (role as unknown as { rules?: Rule[] }).rules ?? []) {
      for (const group of rule.apiGroups ?? ['']) {
        for (const resource of rule.resources ?? []) {
          for (const resourceName of rule.resourceNames?.length ? rule.resourceNames : ['']) {
            const key = `${combineResourceGroup(resource, group)}\0${resourceName}`;
            const row = rows.get(key) ?? { resource: combineResourceGroup(resource, group), resourceName, verbs: [] };
            for (const v of rule.verbs) if (!row.verbs.includes(v)) row.verbs.push(v);
            rows.set(key, row);
          }
        }
      }
    }
  }
  return [...rows.values()].sort((x, y) => x.resource.localeCompare(y.resource) || x.resourceName.localeCompare(y.resourceName));
}

/** The rows as kubectl prints them: four columns padded like its tab writer. */
export function formatCanI(rows: CanIRow[]): string {
  const header = ['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs'];
  const cells = rows.map((r) => [r.resource, '[]', `[${r.resourceName}]`, `[${r.verbs.join(' ')}]`]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}
