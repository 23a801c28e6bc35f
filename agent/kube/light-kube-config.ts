// A small kubeconfig loader for the agent: in-cluster service account, or a kubeconfig file
// with client certificates or a bearer token. It avoids loading client-node at run time
// (~70 MiB of RSS). Kubeconfigs using exec or auth-provider plugins are refused with a
// message; the agent then falls back to client-node's loader.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import type { RequestOptions } from 'node:https';
import { parse } from 'yaml';
import type { Cluster } from '@kubernetes/client-node';
import type { KubeAccess } from '../../lib/kube/raw-request.ts';

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface Named<T> {
  name: string;
  [key: string]: unknown;
  value?: T;
}

interface RawKubeconfig {
  'current-context'?: string;
  contexts?: Array<Named<unknown> & { context?: { cluster?: string; user?: string } }>;
  clusters?: Array<Named<unknown> & { cluster?: Record<string, string | boolean | undefined> }>;
  users?: Array<Named<unknown> & { user?: Record<string, unknown> }>;
}

export class UnsupportedKubeconfig extends Error {}

export class LightKubeConfig implements KubeAccess {
  constructor(
    private readonly cluster: Cluster,
    private readonly tls: { ca?: Buffer; cert?: Buffer; key?: Buffer },
    private readonly token: () => string | undefined,
  ) {}

  getCurrentCluster(): Cluster | null {
    return this.cluster;
  }

  async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    if (this.tls.ca) opts.ca = this.tls.ca;
    if (this.tls.cert) opts.cert = this.tls.cert;
    if (this.tls.key) opts.key = this.tls.key;
    if (this.cluster.skipTLSVerify) opts.rejectUnauthorized = false;
    if (this.cluster.tlsServerName) opts.servername = this.cluster.tlsServerName;
    const token = this.token();
    if (token) opts.headers = { ...(opts.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` };
  }
}

function bytes(data: unknown, file: unknown): Buffer | undefined {
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64');
  if (typeof file === 'string' && file) return readFileSync(file);
  return undefined;
}

export function inClusterKubeConfig(): LightKubeConfig {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new UnsupportedKubeconfig('not in a cluster: KUBERNETES_SERVICE_HOST is unset');
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  // The projected token rotates; read it per request (it is a small file in tmpfs).
  return new LightKubeConfig({ name: 'in-cluster', server, skipTLSVerify: false }, { ca: readFileSync(`${SA_DIR}/ca.crt`) }, () =>
    readFileSync(`${SA_DIR}/token`, 'utf8').trim(),
  );
}

export function fileKubeConfig(path: string): LightKubeConfig {
  const raw = parse(readFileSync(path, 'utf8')) as RawKubeconfig;
  const ctxName = raw['current-context'];
  const ctx = raw.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new UnsupportedKubeconfig(`${path}: current-context "${ctxName ?? ''}" not found`);
  const c = raw.clusters?.find((x) => x.name === ctx.cluster)?.cluster;
  if (!c || typeof c.server !== 'string') throw new UnsupportedKubeconfig(`${path}: cluster "${ctx.cluster ?? ''}" has no server`);
  const u = raw.users?.find((x) => x.name === ctx.user)?.user ?? {};
  if (u.exec || u['auth-provider']) throw new UnsupportedKubeconfig(`${path}: user "${ctx.user ?? ''}" uses an exec or auth-provider plugin`);
  const cluster: Cluster = {
    name: ctx.cluster ?? '',
    server: c.server,
    skipTLSVerify: c['insecure-skip-tls-verify'] === true,
    ...(typeof c['tls-server-name'] === 'string' ? { tlsServerName: c['tls-server-name'] } : {}),
  };
  const token = typeof u.token === 'string' ? u.token : undefined;
  const tokenFile = typeof u.tokenFile === 'string' ? u.tokenFile : undefined;
  return new LightKubeConfig(
    cluster,
    {
      ca: bytes(c['certificate-authority-data'], c['certificate-authority']),
      cert: bytes(u['client-certificate-data'], u['client-certificate']),
      key: bytes(u['client-key-data'], u['client-key']),
    },
    () => token ?? (tokenFile ? readFileSync(tokenFile, 'utf8').trim() : undefined),
  );
}

/** An explicit path, else $KUBECONFIG (first entry), else in-cluster, else ~/.kube/config. */
export function loadLightKubeConfig(path?: string): LightKubeConfig {
  if (path) return fileKubeConfig(path);
  const env = process.env.KUBECONFIG?.split(':').find(Boolean);
  if (env) return fileKubeConfig(env);
  if (process.env.KUBERNETES_SERVICE_HOST) return inClusterKubeConfig();
  return fileKubeConfig(`${homedir()}/.kube/config`);
}
