// docs/rbac.md is what the chart grants, not what someone remembered: it must equal the tables
// computed from `helm template` (refresh with `npm run gen:rbac-doc`).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canIList, combineResourceGroup, formatCanI } from './can-i-tables.ts';
import { manifests } from './rendered.ts';
import { RBAC_DOC, rbacDoc } from './write-rbac-doc.ts';

describe('docs/rbac.md', () => {
  it('is the can-i tables generated from the chart (npm run gen:rbac-doc refreshes it)', async () => {
    expect(readFileSync(RBAC_DOC, 'utf8'), 'docs/rbac.md differs from the chart: run npm run gen:rbac-doc').toBe(await rbacDoc());
  });
});

describe('the can-i tables', () => {
  const yaml = `
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: c}
rules:
  - {apiGroups: [akri.sh], resources: [instances, configurations/status], verbs: [list, patch]}
  - {apiGroups: [akri.sh], resources: [instances], verbs: [delete, list]}
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: c}
roleRef: {kind: ClusterRole, name: c}
subjects: [{kind: ServiceAccount, name: sa, namespace: home}]
---
kind: Role
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: r, namespace: home}
rules:
  - {apiGroups: [coordination.k8s.io], resources: [leases], resourceNames: [mine], verbs: [get, update]}
  - {apiGroups: [""], resources: [secrets], verbs: [watch]}
---
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: r, namespace: home}
roleRef: {kind: Role, name: r}
subjects: [{kind: ServiceAccount, name: sa, namespace: home}]
---
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: other, namespace: home}
roleRef: {kind: Role, name: r}
subjects: [{kind: ServiceAccount, name: someone-else, namespace: home}]
`;
  const sa = { name: 'sa', namespace: 'home' };

  it('merge the verbs of one resource, name subresources and groups as kubectl does, and scope Roles to their namespace', () => {
    expect(combineResourceGroup('configurations/status', 'akri.sh')).toBe('configurations.akri.sh/status');
    expect(combineResourceGroup('pods', '')).toBe('pods');
    expect(canIList(manifests(yaml), sa, 'home')).toEqual([
      { resource: 'configurations.akri.sh/status', resourceName: '', verbs: ['list', 'patch'] },
      { resource: 'instances.akri.sh', resourceName: '', verbs: ['list', 'patch', 'delete'] },
      { resource: 'leases.coordination.k8s.io', resourceName: 'mine', verbs: ['get', 'update'] },
      { resource: 'secrets', resourceName: '', verbs: ['watch'] },
    ]);
    expect(canIList(manifests(yaml), sa, 'elsewhere').map((r) => r.resource)).toEqual(['configurations.akri.sh/status', 'instances.akri.sh']);
  });

  it("print in kubectl's four columns", () => {
    expect(formatCanI([{ resource: 'leases.coordination.k8s.io', resourceName: 'mine', verbs: ['get', 'update'] }])).toBe(
      'Resources                    Non-Resource URLs   Resource Names   Verbs\n' +
      'leases.coordination.k8s.io   []                  [mine]           [get update]',
    );
  });
});
