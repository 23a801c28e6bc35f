// The agent's door to the API server: plain JSON requests and server-side apply, each counted
// by verb, so the benchmark and /metrics can tell how chatty the agent is.
import { KubeApiError, kubeRequest, serverSideApply, type KubeAccess, type KubeRequest } from '../../lib/kube/raw-request.ts';
import type { AgentMetrics } from '../observability/agent-metrics.ts';

export class AgentApi {
  constructor(
    readonly kc: KubeAccess,
    private readonly metrics: AgentMetrics,
  ) {}

  request<T>(req: KubeRequest): Promise<T> {
    this.metrics.apiRequests.inc({ verb: req.method });
    return kubeRequest<T>(this.kc, req);
  }

  apply<T>(path: string, object: unknown, fieldManager: string, force = false): Promise<T> {
    this.metrics.apiRequests.inc({ verb: 'APPLY' });
    return serverSideApply<T>(this.kc, path, object, fieldManager, force);
  }

  /** An informer's request: a list page counts as GET, each watch opened as WATCH. */
  countInformerRequest(verb: 'list' | 'watch'): void {
    this.metrics.apiRequests.inc({ verb: verb === 'list' ? 'GET' : 'WATCH' });
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404;
}
