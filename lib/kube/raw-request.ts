// A minimal JSON client for the Kubernetes API on top of a KubeConfig's TLS and auth settings.
// client-node's typed models drop keys they do not know (e.g. `x-kubernetes-*` in a CRD
// schema), and its server-side-apply calls need content-type plumbing; this sends JSON as is.
import { request } from 'node:https';
import { request as httpRequest, type RequestOptions } from 'node:http';

/**
 * What a request needs from a kubeconfig: the server, and TLS and auth applied to the request.
 * client-node's KubeConfig has this shape; so has LiteKubeConfig, which spares a small process
 * from loading client-node at all.
 */
export interface KubeEndpoint {
  getCurrentCluster(): { server: string } | null;
  applyToHTTPSOptions(options: RequestOptions & { rejectUnauthorized?: boolean }): Promise<void>;
}

/** The same contract under the name the agent's code uses. */
export type KubeAccess = KubeEndpoint;

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

export async function kubeRequest<T = unknown>(kc: KubeEndpoint, req: KubeRequest): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig names no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + req.path);
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  const options: RequestOptions & { rejectUnauthorized?: boolean } = {
    method: req.method,
    headers: {
      accept: 'application/json',
      ...(payload !== undefined ? { 'content-type': req.contentType ?? 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
    },
  };
  await kc.applyToHTTPSOptions(options);
  return new Promise<T>((resolve, reject) => {
    const send = url.protocol === 'https:' ? request : httpRequest;
    const r = send(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON; keep the text
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve(parsed as T);
          return;
        }
        const s = parsed as { message?: string; reason?: string } | undefined;
        reject(new KubeApiError(status, s?.reason ?? '', `${req.method} ${req.path}: ${status} ${s?.message ?? text}`, parsed));
      });
    });
    r.setTimeout(req.timeoutMs ?? 30_000, () => r.destroy(new Error(`${req.method} ${req.path}: timed out`)));
    r.on('error', reject);
    if (payload !== undefined) r.write(payload);
    r.end();
  });
}

/** Server-side apply of a whole object under `fieldManager`. */
export function serverSideApply<T>(kc: KubeEndpoint, path: string, object: unknown, fieldManager: string, force = false): Promise<T> {
  return kubeRequest<T>(kc, {
    method: 'PATCH',
    path,
    query: { fieldManager, force: force || undefined },
    body: object,
    contentType: 'application/apply-patch+yaml',
  });
}
