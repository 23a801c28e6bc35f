// Writes this node's slots of one Instance with server-side apply under the field manager
// `dp-<node>`, as Akri does. The patch holds only this node's keys; deviceUsage is a granular
// map, so each key belongs to the node that wrote it, a key left out is freed, and a key that
// another node holds with another value is a 409 conflict: the slot is taken.
import { AKRI_API_VERSION } from '../../lib/crd/group.ts';
import { KubeApiError } from '../../lib/kube/raw-request.ts';
import type { AgentApi } from '../kube/agent-api.ts';
import type { WriteOutcome } from './slot-ledger.ts';

export function usageFieldManager(node: string): string {
  return `dp-${node}`;
}

export class DeviceUsageWriter {
  constructor(
    private readonly api: AgentApi,
    private readonly node: string,
    private readonly timeoutMs = 5000,
  ) {}

  async write(namespace: string, instance: string, usage: Record<string, string>): Promise<WriteOutcome> {
    try {
      await this.api.request({
        method: 'PATCH',
        path: `/apis/akri.sh/v0/namespaces/${namespace}/instances/${instance}`,
        query: { fieldManager: usageFieldManager(this.node) },
        contentType: 'application/apply-patch+yaml',
        body: { apiVersion: AKRI_API_VERSION, kind: 'Instance', metadata: { name: instance, namespace }, spec: { deviceUsage: usage } },
        timeoutMs: this.timeoutMs,
      });
      return 'written';
    } catch (err) {
      if (err instanceof KubeApiError) {
        if (err.status === 409) return 'conflict';
        // An apply to a deleted Instance would create it without its required fields.
        if (err.status === 404 || err.status === 422) return 'gone';
        if (err.status >= 400 && err.status < 500 && err.status !== 429) throw err;
      }
      // Refused connection, timeout, 5xx, 429: the API server is away; queue and replay.
      return 'offline';
    }
  }
}
