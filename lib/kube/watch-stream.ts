// One Kubernetes watch request: streams its events (one JSON object per line) until the
// server ends it, it fails, or the caller aborts. Built on the same KubeEndpoint as
// kubeRequest, so that a process that watches need not load client-node.
import { request } from 'node:https';
import { request as httpRequest, type RequestOptions } from 'node:http';
import type { KubeEndpoint } from './raw-request.ts';

export interface WatchEvent {
  type: string;
  object: unknown;
}

/** Starts the watch; returns a function that aborts it (done is not called after an abort). */
export async function watchStream(
  kc: KubeEndpoint,
  path: string,
  query: Record<string, string | number | boolean | undefined>,
  onEvent: (event: WatchEvent) => void,
  done: (err: Error | undefined) => void,
  /** A stream silent this long is treated as dead (a dropped edge link sends no FIN). */
  idleTimeoutMs = 330_000,
): Promise<() => void> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig names no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  for (const [k, v] of Object.entries({ ...query, watch: true })) if (v !== undefined) url.searchParams.set(k, String(v));
  const options: RequestOptions & { rejectUnauthorized?: boolean } = { method: 'GET', headers: { accept: 'application/json' } };
  await kc.applyToHTTPSOptions(options);
  let aborted = false;
  let finished = false;
  const finish = (err: Error | undefined) => {
    if (finished || aborted) return;
    finished = true;
    done(err);
  };
  const send = url.protocol === 'https:' ? request : httpRequest;
  const req = send(url, options, (res) => {
    if (res.statusCode !== 200) {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => finish(Object.assign(new Error(`watch ${path}: ${res.statusCode} ${body.slice(0, 300)}`), { statusCode: res.statusCode })));
      return;
    }
    let buffered = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        try {
          onEvent(JSON.parse(line) as WatchEvent);
        } catch (err) {
          req.destroy(err as Error);
          return;
        }
      }
    });
    res.on('end', () => finish(undefined));
    res.on('error', (err) => finish(err));
    res.on('aborted', () => finish(new Error(`watch ${path}: the server aborted the stream`)));
  });
  req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`watch ${path}: no data for ${idleTimeoutMs} ms`)));
  req.on('error', (err) => finish(err));
  req.end();
  return () => {
    aborted = true;
    req.destroy();
  };
}
