// The informer's rules, against a scripted collection and a fake clock: paging, following a
// watch, resuming after the server's timeout, relisting after 410 with the difference reported
// as events, backoff while the API server is away, resync, indexes, and managedFields dropped.
import { describe, expect, it } from 'vitest';
import { Informer, type ChangeType, type ListPage, type ListerWatcher } from './informer.ts';
import type { WatchEvent } from '../kube/watch-stream.ts';
import { Logger, MemorySink } from '../observability/logger.ts';
import { FakeClock, settle } from '../../test/support/fake-clock.ts';

interface Obj {
  metadata: { name: string; namespace?: string; resourceVersion: string; labels?: Record<string, string>; managedFields?: unknown[] };
  spec?: { configurationName?: string };
}

interface OpenWatch {
  from: string;
  onEvent: (e: WatchEvent) => void;
  done: (err: Error | undefined) => void;
  aborted: boolean;
}

/** An API collection in memory: a resourceVersion counter, pages, and the watches open on it. */
class ScriptedCollection implements ListerWatcher<Obj> {
  private rv = 100;
  readonly objects = new Map<string, Obj>();
  readonly watches: OpenWatch[] = [];
  lists = 0;
  listFailures = 0;

  put(name: string, extra: Partial<Obj['metadata']> = {}, spec?: Obj['spec']): Obj {
    const obj: Obj = { metadata: { name, namespace: 'ns', resourceVersion: String(++this.rv), managedFields: [{ manager: 'x' }], ...extra }, spec };
    const type = this.objects.has(name) ? 'MODIFIED' : 'ADDED';
    this.objects.set(name, obj);
    this.send({ type, object: structuredClone(obj) });
    return obj;
  }

  delete(name: string): void {
    const obj = this.objects.get(name);
    if (!obj) return;
    this.objects.delete(name);
    this.send({ type: 'DELETED', object: { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } } });
  }

  /** Changes made while nobody is watching (e.g. during an outage). */
  quietly(fn: () => void): void {
    const open = this.watches.filter((w) => !w.aborted);
    for (const w of open) w.aborted = true;
    fn();
    for (const w of open) w.aborted = false;
  }

  private send(e: WatchEvent): void {
    for (const w of this.watches) if (!w.aborted) w.onEvent(e);
  }

  get open(): OpenWatch | undefined {
    return this.watches.filter((w) => !w.aborted).at(-1);
  }

  async list(page: { limit: number; continue?: string }): Promise<ListPage<Obj>> {
    this.lists++;
    if (this.listFailures > 0) {
      this.listFailures--;
      throw new Error('connect ECONNREFUSED');
    }
    const all = [...this.objects.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const start = Number(page.continue ?? 0);
    const items = all.slice(start, start + page.limit).map((o) => structuredClone(o));
    const next = start + page.limit;
    return { items, resourceVersion: String(this.rv), continue: next < all.length ? String(next) : undefined };
  }

  async watch(from: { resourceVersion: string }, onEvent: (e: WatchEvent) => void, done: (err: Error | undefined) => void): Promise<() => void> {
    const w: OpenWatch = { from: from.resourceVersion, onEvent, done, aborted: false };
    this.watches.push(w);
    return () => {
      w.aborted = true;
    };
  }
}

function informer(source: ScriptedCollection, clock: FakeClock, events: Array<[ChangeType, string]> = [], extra: { resyncMs?: number; onResync?: () => void } = {}) {
  return new Informer<Obj>({
    source,
    name: '/apis/x/v1/namespaces/ns/things',
    logger: new Logger({}, 'error', new MemorySink()),
    clock,
    pageSize: 2,
    relistDelayMs: 500,
    maxRelistDelayMs: 4000,
    indexes: { byConfiguration: (o) => (o.spec?.configurationName ? [`ns/${o.spec.configurationName}`] : []) },
    onEvent: (type, obj) => events.push([type, obj.metadata.name]),
    ...extra,
  });
}

describe('Informer', () => {
  it('lists in pages, is synced after the last page, and drops managedFields', async () => {
    const source = new ScriptedCollection();
    for (const n of ['a', 'b', 'c', 'd', 'e']) source.put(n);
    const clock = new FakeClock();
    const events: Array<[ChangeType, string]> = [];
    const inf = informer(source, clock, events);
    await inf.start();
    expect(inf.synced).toBe(true);
    expect(source.lists).toBe(3);
    expect(inf.list().map((o) => o.metadata.name).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(events).toEqual(['a', 'b', 'c', 'd', 'e'].map((n) => ['ADDED', n]));
    expect(inf.get('ns/a')?.metadata.managedFields).toBeUndefined();
    expect(source.open?.from).toBe('105');
    inf.stop();
  });

  it('follows the watch and keeps its index in step', async () => {
    const source = new ScriptedCollection();
    const clock = new FakeClock();
    const events: Array<[ChangeType, string]> = [];
    const inf = informer(source, clock, events);
    await inf.start();
    await settle();
    source.put('cam-1', {}, { configurationName: 'cams' });
    source.put('cam-2', {}, { configurationName: 'cams' });
    expect(inf.byIndex('byConfiguration', 'ns/cams').map((o) => o.metadata.name).sort()).toEqual(['cam-1', 'cam-2']);
    source.put('cam-2', {}, { configurationName: 'other' });
    expect(inf.byIndex('byConfiguration', 'ns/cams').map((o) => o.metadata.name)).toEqual(['cam-1']);
    expect(inf.byIndex('byConfiguration', 'ns/other').map((o) => o.metadata.name)).toEqual(['cam-2']);
    source.delete('cam-1');
    expect(inf.get('ns/cam-1')).toBeUndefined();
    expect(inf.byIndex('byConfiguration', 'ns/cams')).toEqual([]);
    expect(events).toEqual([
      ['ADDED', 'cam-1'],
      ['ADDED', 'cam-2'],
      ['MODIFIED', 'cam-2'],
      ['DELETED', 'cam-1'],
    ]);
    inf.stop();
  });

  it('resumes a watch the server ended from the last resourceVersion, without listing again', async () => {
    const source = new ScriptedCollection();
    const clock = new FakeClock();
    const inf = informer(source, clock);
    await inf.start();
    await settle();
    source.put('a');
    const first = source.open;
    first?.done(undefined);
    await settle();
    expect(source.open).not.toBe(first);
    expect(source.open?.from).toBe(source.objects.get('a')?.metadata.resourceVersion);
    expect(source.lists).toBe(1);
    inf.stop();
  });

  it('after 410 Gone, lists again and reports what changed meanwhile as events', async () => {
    const source = new ScriptedCollection();
    for (const n of ['kept', 'changed', 'gone']) source.put(n);
    const clock = new FakeClock();
    const events: Array<[ChangeType, string]> = [];
    const inf = informer(source, clock, events);
    await inf.start();
    await settle();
    events.length = 0;
    source.quietly(() => {
      source.put('changed');
      source.delete('gone');
      source.put('new');
    });
    const w = source.open;
    w?.onEvent({ type: 'ERROR', object: { code: 410, reason: 'Expired', message: 'too old resource version' } });
    w?.done(undefined);
    await settle();
    expect(source.lists).toBe(2); // the first list took two pages; the next waits for the backoff
    await clock.advance(500);
    expect(inf.relists).toBe(1);
    expect(events.sort()).toEqual([
      ['ADDED', 'new'],
      ['DELETED', 'gone'],
      ['MODIFIED', 'changed'],
    ]);
    expect(inf.list().map((o) => o.metadata.name).sort()).toEqual(['changed', 'kept', 'new']);
    inf.stop();
  });

  it('while the API server is away, lists again with a doubling delay up to the cap, then from the start once a watch works', async () => {
    const source = new ScriptedCollection();
    source.put('a');
    const clock = new FakeClock();
    const inf = informer(source, clock);
    await inf.start();
    await settle();
    source.listFailures = 5;
    source.open?.done(new Error('connection reset'));
    const listsAt: number[] = [];
    const t0 = clock.now();
    for (let i = 0; i < 20 && source.listFailures >= 0 && listsAt.length < 6; i++) {
      const before = source.lists;
      await clock.advance((clock.nextAt ?? clock.now()) - clock.now());
      if (source.lists > before) listsAt.push(clock.now() - t0);
    }
    // 500, then 1000, 2000, 4000 (the cap), 4000, 4000 after each failure.
    expect(listsAt).toEqual([500, 1500, 3500, 7500, 11500, 15500]);
    expect(inf.synced).toBe(true);
    expect(source.open).toBeDefined();
    // A working watch resets the backoff: the next failure waits the first delay again.
    source.put('b');
    source.open?.done(new Error('connection reset'));
    const before = source.lists;
    await clock.advance(499);
    expect(source.lists).toBe(before);
    await clock.advance(1);
    expect(source.lists).toBe(before + 1);
    inf.stop();
  });

  it('calls onResync every resync period once synced, and stops leaving no timer behind', async () => {
    const source = new ScriptedCollection();
    const clock = new FakeClock();
    let resyncs = 0;
    const inf = informer(source, clock, [], { resyncMs: 60_000, onResync: () => resyncs++ });
    await inf.start();
    await clock.advance(180_000);
    expect(resyncs).toBe(3);
    inf.stop();
    expect(clock.pending).toBe(0);
    source.put('late');
    expect(inf.get('ns/late')).toBeUndefined();
  });
});
