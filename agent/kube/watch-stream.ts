// One Kubernetes watch request, read line by line: each line is a {type, object} event. It
// calls `done` exactly once when the stream ends, fails or is aborted. Written on node:https
// rather than client-node's Watch so the agent does not load client-node at run time.
import { request } from 'node:https';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { createInterface } from 'node:readline';
import type { KubeAccess } from '../../lib/kube/raw-request.ts';

export interface WatchEvent {
  type: string;
  object: unknown;
}

export class WatchHttpError extends Error {
  constructor(readonly statusCode: number) {
    super(`watch answered HTTP ${statusCode}`);
  }
}

export async function watchStream(
  kc: KubeAccess,
  path: string,
  query: Record<string, string | number | boolean | undefined>,
  onEvent: (e: WatchEvent) => void,
  done: (err: Error | undefined) => void,
): Promise<AbortController> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig names no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  url.searchParams.set('watch', 'true');
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  const options: RequestOptions & { rejectUnauthorized?: boolean } = { method: 'GET', headers: { accept: 'application/json' } };
  await kc.applyToHTTPSOptions(options);
  const abort = new AbortController();
  let finished = false;
  const finish = (err: Error | undefined): void => {
    if (finished) return;
    finished = true;
    done(err);
  };
  const req = (url.protocol === 'https:' ? request : httpRequest)(url, { ...options, signal: abort.signal }, (res) => {
    if (res.statusCode !== 200) {
      res.resume();
      finish(new WatchHttpError(res.statusCode ?? 0));
      return;
    }
    const lines = createInterface({ input: res });
    lines.on('line', (line) => {
      if (!line) return;
      try {
        onEvent(JSON.parse(line) as WatchEvent);
      } catch {
        // a torn line at abort time; the relist covers it
      }
    });
    lines.on('close', () => finish(undefined));
    // readline re-emits its input's errors (e.g. "aborted" when we abort) on itself.
    lines.on('error', (err) => finish(abort.signal.aborted ? undefined : err));
    res.on('error', (err) => finish(abort.signal.aborted ? undefined : err));
  });
  req.on('error', (err) => finish(abort.signal.aborted ? undefined : err));
  req.end();
  return abort;
}
