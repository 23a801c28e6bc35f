// By hand: starts a control plane and a real node, prints the kubeconfig and timings as one JSON
// line, and keeps them up until it gets SIGTERM, then drains the node and cleans up everything.
// Usage: npx tsx test/real-node/start-and-wait.ts [dir]; stop with `kill <pid of this script>`.
// (Ctrl-C signals the whole process group, so the apiserver dies before the node can drain;
// what that leaves behind is swept up by the next start.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClusterWithNode } from './cluster-with-node.ts';

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'akri-ts-node-'));
const cluster = await startClusterWithNode(dir, 'akri-ts-node');
process.stdout.write(`${JSON.stringify({ dir, kubeconfig: cluster.endpoints.kubeconfig, kubeletRoot: cluster.node.kubelet.rootDir, timings: cluster.timings })}\n`);
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void cluster.stop().then(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => undefined, 1 << 30);
