// The API server's audit policy for the node tier: every write (create, update, patch, delete)
// to akri.sh objects, to Pods and Services and to Node status is logged with its request body, so
// a spec can count what each component wrote and find the same state written twice. Reads,
// Events and Leases are not logged (they are many and say nothing about duplicated state).
import { stringify } from 'yaml';

export function renderAuditPolicy(): string {
  return stringify({
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    omitStages: ['RequestReceived'],
    rules: [
      {
        level: 'Request',
        verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'],
        resources: [
          { group: 'akri.sh' },
          { group: '', resources: ['pods', 'services', 'nodes', 'nodes/status'] },
        ],
      },
      { level: 'None' },
    ],
  });
}
