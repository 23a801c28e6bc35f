// The test control plane itself: a real scheduler and controller-manager act on what we
// create, and no control-plane process outlives its owner, even one killed with SIGKILL.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AppsV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ControlPlane } from '../../cli/start/control-plane/control-plane.ts';
import { useTestCluster } from './support/cluster.ts';
import { deleteNode, registerReadyNode } from './support/nodes.ts';
import { until } from '../support/wait.ts';

const cluster = useTestCluster('cp');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the test control plane', () => {
  it('runs a real controller-manager and scheduler: a Deployment gets a Pod, and the Pod a node', async () => {
    const nodeName = `cp-node-${cluster.namespace}`;
    await registerReadyNode(cluster.kc, nodeName);
    try {
      const apps = cluster.kc.makeApiClient(AppsV1Api);
      await apps.createNamespacedDeployment({
        namespace: cluster.namespace,
        body: {
          metadata: { name: 'web' },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: 'web' } },
            template: {
              metadata: { labels: { app: 'web' } },
              spec: {
                nodeSelector: { 'kubernetes.io/hostname': nodeName },
                tolerations: [{ operator: 'Exists' }],
                containers: [{ name: 'web', image: 'busybox' }],
              },
            },
          },
        },
      });
      const scheduledOn = await until('the Deployment\'s Pod to be created and scheduled', async () => {
        const pods = await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: 'app=web' });
        return pods.items[0]?.spec?.nodeName;
      }, 45_000).catch(async (err: Error) => {
        const events = await cluster.kubectl(['get', 'events', '-n', cluster.namespace]);
        const node = await cluster.kubectl(['get', 'node', nodeName, '-o', 'yaml']);
        throw new Error(`${err.message}\n${events.stdout}${events.stderr}\n${node.stdout}`);
      });
      expect(scheduledOn).toBe(nodeName);
    } finally {
      await deleteNode(cluster.kc, nodeName);
    }
  });

  it('stop() ends every process it started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akri-ts-cp-stop-'));
    const plane = new ControlPlane({ dir, scheduler: false, controllerManager: false });
    try {
      await plane.start();
      const pids = plane.pids();
      expect(pids).toHaveLength(2);
      expect(pids.every(alive)).toBe(true);
      await plane.stop();
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      await plane.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an owner killed with SIGKILL leaves no control-plane process behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akri-ts-cp-kill-'));
    const script = join(import.meta.dirname, '..', 'control-plane', 'start-and-print.ts');
    const owner = spawn(process.execPath, ['--import', 'tsx', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: owner.stdout }).once('line', resolve);
        owner.once('exit', (code) => reject(new Error(`the owner exited early (code ${code})`)));
      });
      const { pids } = JSON.parse(line) as { pids: number[] };
      expect(pids).toHaveLength(2);
      expect(pids.every(alive)).toBe(true);
      owner.kill('SIGKILL');
      await until('the orphaned processes to exit', async () => (pids.some(alive) ? undefined : true), 15_000);
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      owner.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
