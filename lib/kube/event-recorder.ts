// Kubernetes Events (core/v1) where users look: `kubectl describe` on the object concerned.
// Repeats of the same reason and message on the same object within a window bump the count
// of one Event instead of creating a new one each time, as the kubelet's recorder does.
import { createHash } from 'node:crypto';
import { KubeApiError, kubeRequest, type KubeAccess } from './raw-request.ts';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
}

export type EventType = 'Normal' | 'Warning';

interface CoreEvent {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  count?: number;
}

export class EventRecorder {
  constructor(
    private readonly kc: KubeAccess,
    /** e.g. "akri-agent" or "akri-controller". */
    private readonly component: string,
    /** The node (agent) or pod (controller) that reports. */
    private readonly host: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Never throws: failing to report an Event must not break the caller's reconcile. */
  async record(target: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = target.namespace ?? 'default';
    const key = createHash('sha256')
      .update([target.kind, target.name, target.uid ?? '', this.component, this.host, reason, message].join('\0'))
      .digest('hex')
      .slice(0, 12);
    const name = `${target.name}.${key}`.slice(0, 253);
    const path = `/api/v1/namespaces/${namespace}/events`;
    const ts = this.now().toISOString();
    try {
      const existing = await kubeRequest<CoreEvent>(this.kc, { method: 'GET', path: `${path}/${name}` }).catch((err: unknown) => {
        if (err instanceof KubeApiError && err.status === 404) return undefined;
        throw err;
      });
      if (existing) {
        await kubeRequest(this.kc, {
          method: 'PATCH',
          path: `${path}/${name}`,
          contentType: 'application/merge-patch+json',
          body: { count: (existing.count ?? 1) + 1, lastTimestamp: ts },
        });
        return;
      }
      await kubeRequest(this.kc, {
        method: 'POST',
        path,
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: target.apiVersion,
            kind: target.kind,
            name: target.name,
            namespace: target.namespace,
            uid: target.uid,
          },
          reason,
          message: message.slice(0, 1024),
          type,
          count: 1,
          firstTimestamp: ts,
          lastTimestamp: ts,
          source: { component: this.component, host: this.host },
          reportingComponent: this.component,
          reportingInstance: this.host,
        },
      });
    } catch {
      // Events are best effort; the caller's log line carries the same information.
    }
  }
}
