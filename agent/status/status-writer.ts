// Writes this node's entry of Configuration.status.nodes with server-side apply on the status
// subresource. The field manager is per node, and `nodes` is a map keyed by node, so agents
// never overwrite each other's entries.
import { AKRI_API_VERSION } from '../../lib/crd/group.ts';
import type { Configuration, NodeDiscoveryStatus } from '../../lib/crd/configuration.ts';
import { isNotFound, type AgentApi } from '../kube/agent-api.ts';

export class StatusWriter {
  constructor(
    private readonly api: AgentApi,
    private readonly node: string,
  ) {}

  /** Returns the Configuration as stored, or undefined when it is gone. */
  async write(namespace: string, name: string, entry: NodeDiscoveryStatus): Promise<Configuration | undefined> {
    return this.api
      .apply<Configuration>(
        `/apis/akri.sh/v0/namespaces/${namespace}/configurations/${name}/status`,
        { apiVersion: AKRI_API_VERSION, kind: 'Configuration', metadata: { name, namespace }, status: { nodes: [entry] } },
        `${this.node}-status`,
        true,
      )
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
        return undefined;
      });
  }
}
