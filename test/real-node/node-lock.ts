// One real node per machine at a time: two kubelets would share the `kubepods` cgroups and
// fight over them. A lock file holds the owner's pid; a lock whose owner is dead is taken over.
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';

export const NODE_LOCK = '/run/akri-ts-real-node.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireNodeLock(path = NODE_LOCK): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(path, 'utf8').trim());
      if (owner && alive(owner) && owner !== process.pid) {
        throw new Error(`another real-node test run (pid ${owner}) holds ${path}; two kubelets on one host would share the kubepods cgroups`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not take ${path}`);
}
