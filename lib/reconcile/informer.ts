// The one informer of the agent and the controller: a cache of one collection, fed only by the
// API server. It lists (in pages), then watches from the list's resourceVersion; when the
// watch expires (410 Gone, "too old resource version") or fails in any way, it lists again
// after a backoff and reports the difference as events, so no change is lost and nothing
// crashes. Objects are stored without metadata.managedFields, under client-go's key
// (`namespace/name`, or `name` for cluster-scoped objects), with optional indexes (e.g.
// Instances by Configuration), and a periodic resync lets level-triggered reconcilers repair
// drift that no event announced. Nothing but the watch writes into it: a reconciler that has
// just written an object reads the older copy until the echo arrives, and must be (and is)
// correct on such stale reads. The API calls sit behind ListerWatcher, so the retry logic is
// tested with a scripted source and a fake clock (informer.test.ts).
import { kubeRequest, type KubeEndpoint } from '../kube/raw-request.ts';
import { watchStream, type WatchEvent } from '../kube/watch-stream.ts';
import type { Logger } from '../observability/logger.ts';
import { systemClock, type Clock, type TimerHandle } from '../time/clock.ts';

export interface KubeObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ListPage<T> {
  items: T[];
  resourceVersion: string;
  /** Set when there are more pages. */
  continue?: string;
}

/** How an informer reaches its collection: a list (one page) and a watch. */
export interface ListerWatcher<T> {
  list(page: { limit: number; continue?: string }): Promise<ListPage<T>>;
  /** Starts a watch; resolves with a function that aborts it (after which `done` is not called). */
  watch(
    from: { resourceVersion: string; timeoutSeconds: number },
    onEvent: (event: WatchEvent) => void,
    done: (err: Error | undefined) => void,
  ): Promise<() => void>;
}

/** The ListerWatcher of a collection on the API server, e.g. /apis/akri.sh/v0/namespaces/x/instances. */
export function apiListerWatcher<T>(kc: KubeEndpoint, path: string, selectors: { labelSelector?: string; fieldSelector?: string } = {}): ListerWatcher<T> {
  return {
    async list(page) {
      const res = await kubeRequest<{ metadata?: { resourceVersion?: string; continue?: string }; items?: T[] }>(kc, {
        method: 'GET',
        path,
        query: { ...selectors, limit: page.limit, continue: page.continue },
        timeoutMs: 60_000,
      });
      return { items: res.items ?? [], resourceVersion: res.metadata?.resourceVersion ?? '', continue: res.metadata?.continue || undefined };
    },
    watch(from, onEvent, done) {
      const query = { ...selectors, resourceVersion: from.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: from.timeoutSeconds };
      // A stream silent well past its server-side timeout is dead (a dropped edge link sends no FIN).
      return watchStream(kc, path, query, onEvent, done, (from.timeoutSeconds + 30) * 1000);
    },
  };
}

export interface InformerOptions<T> {
  source: ListerWatcher<T>;
  /** What the logs call this collection (its path). */
  name: string;
  logger: Logger;
  clock?: Clock;
  /** Named indexes: each maps an object to the values it is found under (see byIndex). */
  indexes?: Record<string, (obj: T) => string[]>;
  /** Server-side watch timeout; the watch then resumes from the last resourceVersion. */
  watchTimeoutSeconds?: number;
  /** First delay before listing again after a failure; doubles up to maxRelistDelayMs. */
  relistDelayMs?: number;
  maxRelistDelayMs?: number;
  pageSize?: number;
  /** onResync is called this often once synced; 0 or unset: never. */
  resyncMs?: number;
  onEvent?: (type: ChangeType, obj: T, old: T | undefined) => void;
  onResync?: () => void;
  /** Called for every request sent to the API server (request accounting). */
  onRequest?: (verb: 'list' | 'watch') => void;
  /** Called when the informer lists again after a failed or expired watch. */
  onRelist?: () => void;
  /** Trims each object before it is stored (default: drops metadata.managedFields). */
  transform?: (obj: T) => T;
}

interface WatchStatus {
  code?: number;
  reason?: string;
  message?: string;
}

/** client-go's key: `namespace/name`, or `name` for a cluster-scoped object. */
export function objectKey(obj: KubeObject): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
}

/**
 * metadata.managedFields: every writer of an object (each node's agent, the controller) adds
 * an entry, no reconciler reads them, and at a thousand Instances they are most of the cache.
 */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  const metadata = obj.metadata as (KubeObject['metadata'] & { managedFields?: unknown }) | undefined;
  if (metadata?.managedFields !== undefined) delete metadata.managedFields;
  return obj;
}

export class Informer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  /** index name -> value -> keys */
  private readonly indexed = new Map<string, Map<string, Set<string>>>();
  private resourceVersion = '';
  private stopped = false;
  private hasSynced = false;
  /** Bumped whenever a watch or list is abandoned; callbacks of older ones are ignored. */
  private generation = 0;
  private abort: (() => void) | undefined;
  private relistTimer: TimerHandle | undefined;
  private resyncTimer: TimerHandle | undefined;
  private failures = 0;
  private readonly syncWaiters: Array<() => void> = [];
  private readonly clock: Clock;
  /** How many times the informer listed again after a failed or expired watch. */
  relists = 0;

  constructor(private readonly options: InformerOptions<T>) {
    this.clock = options.clock ?? systemClock;
    for (const name of Object.keys(options.indexes ?? {})) this.indexed.set(name, new Map());
  }

  /** Starts listing and watching; resolves once the first list is in (retrying until it is). */
  start(): Promise<void> {
    this.stopped = false;
    void this.relist();
    this.scheduleResync();
    return this.waitForSync();
  }

  get synced(): boolean {
    return this.hasSynced;
  }

  waitForSync(): Promise<void> {
    if (this.hasSynced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    this.abort?.();
    this.abort = undefined;
    this.clock.clearTimeout(this.relistTimer);
    this.clock.clearTimeout(this.resyncTimer);
    this.relistTimer = undefined;
    this.resyncTimer = undefined;
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  get size(): number {
    return this.store.size;
  }

  /** The objects an index maps to `value`. */
  byIndex(index: string, value: string): T[] {
    const keys = this.indexed.get(index)?.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.store.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  private index(key: string, obj: T | undefined, add: boolean): void {
    if (!obj) return;
    for (const [name, values] of this.indexed) {
      for (const value of this.options.indexes?.[name]?.(obj) ?? []) {
        let keys = values.get(value);
        if (add) {
          if (!keys) values.set(value, (keys = new Set()));
          keys.add(key);
        } else if (keys) {
          keys.delete(key);
          if (keys.size === 0) values.delete(value);
        }
      }
    }
  }

  private put(raw: T): void {
    const obj = this.options.transform ? this.options.transform(raw) : withoutManagedFields(raw);
    const key = objectKey(obj);
    const old = this.store.get(key);
    this.index(key, old, false);
    this.store.set(key, obj);
    this.index(key, obj, true);
    this.options.onEvent?.(old ? 'MODIFIED' : 'ADDED', obj, old);
  }

  private remove(key: string, last: T | undefined): void {
    const old = this.store.get(key);
    if (!old) return;
    this.index(key, old, false);
    this.store.delete(key);
    this.options.onEvent?.('DELETED', last ? withoutManagedFields(last) : old, old);
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    const generation = ++this.generation;
    this.abort?.();
    this.abort = undefined;
    try {
      const items: T[] = [];
      let cont: string | undefined;
      let rv = '';
      do {
        this.options.onRequest?.('list');
        const page = await this.options.source.list({ limit: this.options.pageSize ?? 500, continue: cont });
        items.push(...page.items);
        cont = page.continue;
        rv = page.resourceVersion;
      } while (cont);
      if (this.stopped || generation !== this.generation) return;
      // Report what changed while nobody watched, as if it had been watched.
      const seen = new Set<string>();
      for (const item of items) {
        const key = objectKey(item);
        seen.add(key);
        if (this.store.get(key)?.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.put(item);
      }
      for (const key of [...this.store.keys()]) if (!seen.has(key)) this.remove(key, undefined);
      this.resourceVersion = rv;
      if (!this.hasSynced) {
        this.hasSynced = true;
        for (const w of this.syncWaiters.splice(0)) w();
      }
      this.watch(generation);
    } catch (err) {
      if (this.stopped || generation !== this.generation) return;
      this.options.logger.warn('list failed; retrying', { path: this.options.name, error: (err as Error).message });
      this.scheduleRelist();
    }
  }

  private scheduleRelist(): void {
    if (this.stopped || this.relistTimer !== undefined) return;
    this.generation++; // callbacks of the failed watch are ignored from here on
    this.abort?.();
    this.abort = undefined;
    const base = this.options.relistDelayMs ?? 500;
    const delay = Math.min(this.options.maxRelistDelayMs ?? 30_000, base * 2 ** this.failures);
    this.failures++;
    this.relistTimer = this.clock.setTimeout(() => {
      this.relistTimer = undefined;
      this.relists++;
      this.options.onRelist?.();
      void this.relist();
    }, delay);
  }

  private watch(generation: number): void {
    if (this.stopped || generation !== this.generation) return;
    let expired = false;
    this.options.onRequest?.('watch');
    this.options.source
      .watch(
        { resourceVersion: this.resourceVersion, timeoutSeconds: this.options.watchTimeoutSeconds ?? 300 },
        ({ type, object }) => {
          if (generation !== this.generation) return;
          const o = object as T & WatchStatus;
          switch (type) {
            case 'ADDED':
            case 'MODIFIED':
              this.put(o);
              break;
            case 'DELETED':
              this.remove(objectKey(o), o);
              break;
            case 'BOOKMARK':
              break;
            case 'ERROR':
              // 410: our resourceVersion is older than etcd's compaction window.
              expired = true;
              this.options.logger.info('watch expired; relisting', { path: this.options.name, code: o.code, reason: o.reason, message: o.message });
              return;
            default:
              return;
          }
          // The relist backoff resets only once a watch works, so a watch that always fails
          // right after a good list does not relist in a tight loop.
          this.failures = 0;
          const rv = o.metadata?.resourceVersion;
          if (rv) this.resourceVersion = rv;
        },
        (err) => {
          if (this.stopped || generation !== this.generation) return;
          if (expired || err) {
            if (err) {
              const code = (err as { statusCode?: number }).statusCode;
              this.options.logger.info(code === 410 ? 'watch expired; relisting' : 'watch failed; relisting', { path: this.options.name, code, error: err.message });
            }
            this.scheduleRelist();
          } else {
            this.watch(generation); // the server-side timeout: resume where we were
          }
        },
      )
      .then((abort) => {
        if (generation !== this.generation) abort();
        else this.abort = abort;
      })
      .catch((err: unknown) => {
        if (this.stopped || generation !== this.generation) return;
        this.options.logger.info('watch could not start; relisting', { path: this.options.name, error: (err as Error).message });
        this.scheduleRelist();
      });
  }

  private scheduleResync(): void {
    const every = this.options.resyncMs ?? 0;
    if (every <= 0 || this.stopped) return;
    this.resyncTimer = this.clock.setTimeout(() => {
      if (this.stopped) return;
      if (this.hasSynced) this.options.onResync?.();
      this.scheduleResync();
    }, every);
  }
}
