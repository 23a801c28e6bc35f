// A list-then-watch cache of one collection, in the informer mould: it lists, watches from the
// list's resourceVersion, and relists when the watch expires (410 Gone, "too old resource
// version") or drops, reporting what changed in between instead of crashing. The watch itself
// is lib/kube/watch-stream.ts, the controller's too (with its idle timeout: a dropped edge
// link sends no FIN).
import type { Logger } from '../../lib/observability/logger.ts';
import type { AgentApi } from './agent-api.ts';
import { watchStream } from '../../lib/kube/watch-stream.ts';

export interface KubeObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface ListResponse<T> {
  metadata: { resourceVersion: string };
  items: T[];
}

/**
 * Drops metadata.managedFields: every writer of an Instance (each node's agent, the
 * controller) adds an entry there, nothing in the agent reads them, and at a thousand
 * Instances they are most of what the cache would hold.
 */
function trimmed<T extends KubeObject>(obj: T): T {
  const metadata = obj.metadata as (KubeObject['metadata'] & { managedFields?: unknown }) | undefined;
  if (metadata?.managedFields !== undefined) delete metadata.managedFields;
  return obj;
}

export function objectKey(o: KubeObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/** Newer-or-equal by resourceVersion when both are numeric (etcd's are); unknown means newer. */
function notOlder(candidate: KubeObject, current: KubeObject | undefined): boolean {
  const a = Number(candidate.metadata?.resourceVersion);
  const b = Number(current?.metadata?.resourceVersion);
  return !Number.isFinite(a) || !Number.isFinite(b) || a >= b;
}

export class ListWatch<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private resourceVersion = '';
  private abort: (() => void) | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private syncedOnce = false;
  private readonly syncWaiters: Array<() => void> = [];

  constructor(
    private readonly api: AgentApi,
    /** Collection path, e.g. /apis/akri.sh/v0/configurations. */
    private readonly path: string,
    private readonly onChange: (type: ChangeType, obj: T, old: T | undefined) => void,
    private readonly log: Logger,
    private readonly query: Record<string, string> = {},
  ) {}

  start(): void {
    void this.relist();
  }

  /**
   * Starts by watching from a known resourceVersion (e.g. a checkpoint) instead of listing.
   * If that version has expired, the server answers 410 and the cache relists.
   */
  startFrom(resourceVersion: string): void {
    this.resourceVersion = resourceVersion;
    void this.watch().catch(() => this.retry(() => void this.relist(), 1000));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.abort?.();
  }

  get synced(): boolean {
    return this.syncedOnce;
  }

  waitForSync(): Promise<void> {
    if (this.syncedOnce) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /** Records an object we just wrote, so decisions made before its watch event see it. */
  upsert(obj: T): void {
    trimmed(obj);
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (notOlder(obj, old)) this.cache.set(key, obj);
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    try {
      const res = await this.api.request<ListResponse<T>>({ method: 'GET', path: this.path, query: this.query });
      if (this.stopped) return;
      const seen = new Set<string>();
      for (const item of res.items) {
        trimmed(item);
        const key = objectKey(item);
        seen.add(key);
        const old = this.cache.get(key);
        this.cache.set(key, item);
        if (!old) this.onChange('ADDED', item, undefined);
        else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.onChange('MODIFIED', item, old);
      }
      for (const [key, old] of [...this.cache]) {
        if (!seen.has(key)) {
          this.cache.delete(key);
          this.onChange('DELETED', old, old);
        }
      }
      this.resourceVersion = res.metadata.resourceVersion;
      if (!this.syncedOnce) {
        this.syncedOnce = true;
        for (const w of this.syncWaiters.splice(0)) w();
      }
      await this.watch();
    } catch (err) {
      this.log.warn('list failed; retrying', { path: this.path, error: (err as Error).message });
      this.retry(() => void this.relist(), 2000);
    }
  }

  private retry(fn: () => void, ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(fn, ms);
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    this.api.countWatch();
    this.abort = await watchStream(
      this.api.kc,
      this.path,
      { ...this.query, resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 },
      (event) => {
        const type = event.type;
        const obj = event.object as T & { code?: number; message?: string };
        if (type === 'ERROR') {
          // 410: our resourceVersion is older than etcd's compaction window. Relist (an
          // aborted watch reports nothing more).
          this.log.info('watch expired; relisting', { path: this.path, code: obj.code, reason: obj.message });
          this.abort?.();
          this.retry(() => void this.relist(), 10);
          return;
        }
        const rv = obj.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        if (type === 'BOOKMARK') return;
        trimmed(obj);
        const key = objectKey(obj);
        const old = this.cache.get(key);
        if (type === 'DELETED') {
          this.cache.delete(key);
          this.onChange('DELETED', obj, old);
        } else if (type === 'ADDED' || type === 'MODIFIED') {
          if (notOlder(obj, old)) this.cache.set(key, obj);
          this.onChange(old ? 'MODIFIED' : 'ADDED', obj, old);
        }
      },
      (err) => {
        if (this.stopped) return;
        const status = (err as { statusCode?: number } | undefined)?.statusCode;
        if (status === 410) this.log.info('watch expired; relisting', { path: this.path, code: 410 });
        if (status === 410) this.retry(() => void this.relist(), 10);
        else if (err) this.retry(() => void this.relist(), 1000);
        else this.retry(() => void this.watch().catch(() => this.retry(() => void this.relist(), 1000)), 10);
      },
    );
  }
}
