// What an integration test needs from the shared control plane: clients, a namespace of its
// own (deleted afterwards), and kubectl exactly as a user would run it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, inject } from 'vitest';
import { loadKubeConfig } from '../../../lib/kube/kube-config.ts';

const run = promisify(execFile);

export interface TestCluster {
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  /** This test file's namespace; valid inside tests and hooks. */
  readonly namespace: string;
  kubectl(args: string[], stdin?: string): Promise<KubectlResult>;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function useTestCluster(prefix = 'test'): TestCluster {
  const kubeconfig = inject('kubeconfig');
  const kubectlBin = join(inject('kubeBinDir'), 'kubectl');
  const kc = loadKubeConfig(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  let namespace = '';

  beforeAll(async () => {
    namespace = `${prefix}-${randomBytes(3).toString('hex')}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    if (namespace) await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  return {
    kc,
    core,
    custom,
    get namespace() {
      return namespace;
    },
    async kubectl(args, stdin) {
      const child = run(kubectlBin, ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 });
      if (stdin !== undefined) {
        child.child.stdin?.end(stdin);
      }
      try {
        const { stdout, stderr } = await child;
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
      }
    },
  };
}
