// Vitest global setup for the integration tier: one real control plane per test run, with the
// akri.sh CRDs installed. Tests read its kubeconfig with inject('kubeconfig'). If anything
// cannot be built or started, the run fails here with the reason; nothing is skipped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadKubeConfig } from '../../lib/kube/kube-config.ts';
import { installCrds } from '../../lib/kube/install-crds.ts';
import { ControlPlane } from '../../cli/start/control-plane/control-plane.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    kubeBinDir: string;
    etcdUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'akri-ts-cp-'));
  const plane = new ControlPlane({ dir });
  const started = Date.now();
  try {
    const endpoints = await plane.start();
    await installCrds(loadKubeConfig(endpoints.kubeconfig));
    process.stderr.write(`[control-plane] ready in ${Date.now() - started} ms at ${endpoints.server} (logs: ${endpoints.logDir})\n`);
    project.provide('kubeconfig', endpoints.kubeconfig);
    project.provide('kubeBinDir', endpoints.binDir);
    project.provide('etcdUrl', endpoints.etcdUrl);
  } catch (err) {
    await plane.stop();
    throw new Error(`the test control plane could not be started: ${(err as Error).message}`);
  }
  return async () => {
    await plane.stop();
    if (!process.env.AKRI_TS_KEEP_TEST_CLUSTER) rmSync(dir, { recursive: true, force: true });
  };
}
