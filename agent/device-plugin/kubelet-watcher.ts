// Notices a kubelet restart: the kubelet deletes every socket in its device-plugins directory
// and creates a new kubelet.sock. We watch the directory (fs.watch) and also poll, because
// inotify events can be missed, e.g. when the directory itself is recreated.
import { statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { KUBELET_SOCKET } from './device-plugin-server.ts';
import { every, systemClock, type Clock } from '../../lib/time/clock.ts';

export interface KubeletWatcherOptions {
  pluginDir: string;
  /** Our own sockets, which must still exist while the kubelet has not restarted. */
  ownSockets: () => string[];
  onRestart: (why: string) => void;
  pollMs?: number;
  clock?: Clock;
}

function inode(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

export class KubeletWatcher {
  private watcher: FSWatcher | undefined;
  private stopPolling: (() => void) | undefined;
  private kubeletInode: number | undefined;

  constructor(private readonly options: KubeletWatcherOptions) {}

  start(): void {
    this.kubeletInode = inode(join(this.options.pluginDir, KUBELET_SOCKET));
    try {
      this.watcher = watch(this.options.pluginDir, () => this.check());
      this.watcher.on('error', () => undefined);
    } catch {
      // The directory may not exist yet; polling covers it.
    }
    this.stopPolling = every(this.options.clock ?? systemClock, this.options.pollMs ?? 500, () => this.check());
  }

  stop(): void {
    this.watcher?.close();
    this.stopPolling?.();
    this.watcher = undefined;
    this.stopPolling = undefined;
  }

  check(): void {
    const current = inode(join(this.options.pluginDir, KUBELET_SOCKET));
    if (current === undefined) return; // the kubelet is down; wait for its socket
    if (current !== this.kubeletInode) {
      const first = this.kubeletInode === undefined;
      this.kubeletInode = current;
      this.options.onRestart(first ? 'kubelet.sock appeared' : 'kubelet.sock was recreated');
      return;
    }
    const missing = this.options.ownSockets().filter((s) => inode(s) === undefined);
    if (missing.length > 0) this.options.onRestart(`our socket ${missing[0]} was deleted`);
  }
}
