// A kubeconfig reader for long-running processes that must stay small: it understands the
// in-cluster service account and kubeconfig files with certificates or bearer tokens, and
// nothing else. Loading client-node's KubeConfig costs about 80 MiB of resident memory (it
// pulls in every generated API model); this costs next to nothing. Anything it does not
// understand (exec plugins, auth providers, basic auth) raises UnsupportedKubeConfig, so the
// caller can fall back to client-node. In a pod (the service account) it reads no YAML at all:
// the YAML parser is loaded only for a kubeconfig file that is not JSON (about 3 MiB that the
// controller, which parses nothing else, would otherwise keep for good).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { RequestOptions } from 'node:https';
import type { KubeEndpoint } from './raw-request.ts';

export class UnsupportedKubeConfig extends Error {}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** JSON is YAML too: a kubeconfig written as JSON needs no YAML parser. */
function parseKubeconfig(text: string): KubeconfigFile {
  if (text.trimStart().startsWith('{')) return JSON.parse(text) as KubeconfigFile;
  const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return parse(text) as KubeconfigFile;
}

interface Named<T> {
  name: string;
  [key: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

interface ClusterEntry {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
}

interface UserEntry {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
  username?: string;
}

interface KubeconfigFile {
  'current-context'?: string;
  clusters?: Array<Named<ClusterEntry>>;
  users?: Array<Named<UserEntry>>;
  contexts?: Array<Named<{ cluster?: string; user?: string }>>;
}

interface Material {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecure?: boolean;
  /** Read at each request: projected service-account tokens are rotated on disk. */
  token?: () => string;
}

export class LiteKubeConfig implements KubeEndpoint {
  private constructor(private readonly material: Material) {}

  /** An explicit path, else $KUBECONFIG, else the in-cluster service account, else ~/.kube/config. */
  static load(path?: string): LiteKubeConfig {
    const file = path ?? process.env.KUBECONFIG?.split(':')[0];
    if (file) return LiteKubeConfig.fromFile(file);
    if (process.env.KUBERNETES_SERVICE_HOST && existsSync(`${SERVICE_ACCOUNT_DIR}/token`)) return LiteKubeConfig.inCluster();
    return LiteKubeConfig.fromFile(resolve(homedir(), '.kube', 'config'));
  }

  static inCluster(): LiteKubeConfig {
    const host = process.env.KUBERNETES_SERVICE_HOST ?? '';
    const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
    return new LiteKubeConfig({
      server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
      ca: readFileSync(`${SERVICE_ACCOUNT_DIR}/ca.crt`),
      token: () => readFileSync(`${SERVICE_ACCOUNT_DIR}/token`, 'utf8').trim(),
    });
  }

  static fromFile(path: string): LiteKubeConfig {
    const doc = parseKubeconfig(readFileSync(path, 'utf8'));
    const base = dirname(path);
    const file = (p: string) => readFileSync(isAbsolute(p) ? p : resolve(base, p));
    const contextName = doc['current-context'];
    const context = doc.contexts?.find((c) => c.name === contextName)?.context;
    if (!context) throw new UnsupportedKubeConfig(`kubeconfig ${path}: no current context`);
    const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster;
    const user = doc.users?.find((u) => u.name === context.user)?.user ?? {};
    if (!cluster?.server) throw new UnsupportedKubeConfig(`kubeconfig ${path}: context ${contextName} names no cluster with a server`);
    if (user.exec || user['auth-provider'] || user.username) {
      throw new UnsupportedKubeConfig(`kubeconfig ${path}: user ${context.user} authenticates with exec, an auth provider or basic auth`);
    }
    const data = (d: string | undefined, f: string | undefined) => (d ? Buffer.from(d, 'base64') : f ? file(f) : undefined);
    const tokenFile = user.tokenFile;
    return new LiteKubeConfig({
      server: cluster.server,
      ca: data(cluster['certificate-authority-data'], cluster['certificate-authority']),
      insecure: cluster['insecure-skip-tls-verify'] === true,
      cert: data(user['client-certificate-data'], user['client-certificate']),
      key: data(user['client-key-data'], user['client-key']),
      token: user.token ? () => user.token as string : tokenFile ? () => file(tokenFile).toString('utf8').trim() : undefined,
    });
  }

  getCurrentCluster(): { server: string } {
    return { server: this.material.server };
  }

  async applyToHTTPSOptions(options: RequestOptions & { rejectUnauthorized?: boolean }): Promise<void> {
    const m = this.material;
    if (m.ca) options.ca = m.ca;
    if (m.cert) options.cert = m.cert;
    if (m.key) options.key = m.key;
    if (m.insecure) options.rejectUnauthorized = false;
    if (m.token) options.headers = { ...options.headers, authorization: `Bearer ${m.token()}` };
  }
}
