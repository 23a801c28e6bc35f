// What an integration test needs from a control plane: clients, a namespace of its own
// (deleted afterwards), and kubectl exactly as a user would run it. useTestCluster() shares the
// run's control plane (global setup); usePrivateCluster() starts one for a test file that must
// own the whole cluster, e.g. to let `helm install` create the CRDs or to stop the API server.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, inject } from 'vitest';
import { loadKubeConfig } from '../../../lib/kube/kube-config.ts';
import { ControlPlane, type ControlPlaneOptions } from '../../../cli/start/control-plane/control-plane.ts';

const run = promisify(execFile);

export interface TestCluster {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  /** The kubeconfig file, for processes and CLIs under test. */
  readonly kubeconfig: string;
  /** This test file's namespace; valid inside tests and hooks. */
  readonly namespace: string;
  kubectl(args: string[], stdin?: string): Promise<KubectlResult>;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface Connection {
  kubeconfig: string;
  kubectlBin: string;
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
}

function connect(kubeconfig: string, binDir: string): Connection {
  const kc = loadKubeConfig(kubeconfig);
  return { kubeconfig, kubectlBin: join(binDir, 'kubectl'), kc, core: kc.makeApiClient(CoreV1Api), custom: kc.makeApiClient(CustomObjectsApi) };
}

function clusterView(prefix: string, connection: () => Connection): TestCluster {
  let namespace = '';
  beforeAll(async () => {
    namespace = `${prefix}-${randomBytes(3).toString('hex')}`;
    await connection().core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    if (namespace) await connection().core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });
  return {
    get kc() {
      return connection().kc;
    },
    get core() {
      return connection().core;
    },
    get custom() {
      return connection().custom;
    },
    get kubeconfig() {
      return connection().kubeconfig;
    },
    get namespace() {
      return namespace;
    },
    async kubectl(args, stdin) {
      const c = connection();
      const child = run(c.kubectlBin, ['--kubeconfig', c.kubeconfig, ...args], { timeout: 30_000 });
      if (stdin !== undefined) child.child.stdin?.end(stdin);
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

/** The run's shared control plane, with the akri.sh CRDs installed by the global setup. */
export function useTestCluster(prefix = 'test'): TestCluster {
  const connection = connect(inject('kubeconfig'), inject('kubeBinDir'));
  return clusterView(prefix, () => connection);
}

/**
 * A control plane of this test file's own, started before its tests and stopped after them.
 * Nothing is installed in it: not even the CRDs.
 */
export function usePrivateCluster(prefix: string, options: Omit<ControlPlaneOptions, 'dir'> = {}): TestCluster & { plane(): ControlPlane } {
  let dir = '';
  let plane: ControlPlane | undefined;
  let connection: Connection | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `akri-ts-${prefix}-cp-`));
    plane = new ControlPlane({ dir, ...options });
    const ep = await plane.start();
    connection = connect(ep.kubeconfig, ep.binDir);
  }, 180_000);
  // Registered before clusterView's hooks, so it runs after them: the namespace goes first.
  afterAll(async () => {
    await plane?.stop();
    if (dir && !process.env.AKRI_TS_KEEP_TEST_CLUSTER) rmSync(dir, { recursive: true, force: true });
  });
  const view = clusterView(prefix, () => {
    if (!connection) throw new Error(`the private control plane for ${prefix} is not running`);
    return connection;
  });
  return Object.assign(view, {
    plane(): ControlPlane {
      if (!plane) throw new Error(`the private control plane for ${prefix} is not running`);
      return plane;
    },
  });
}
