// The process shell both binaries run in: flags (with their environment variables and
// defaults), --help made from the same table, and the /metrics and /healthz endpoints.
import { describe, expect, it } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { parseFlags, serveMetrics, usage, type FlagTable } from './process-shell.ts';

const table = {
  node: { type: 'string', env: ['NODE_NAME', 'AGENT_NODE_NAME'], value: '<name>', help: 'this node' },
  dir: { type: 'string', value: '<dir>', default: '/var/lib/akri', help: 'a directory' },
  grace: { type: 'number', env: ['GRACE_SECONDS'], value: '<s>', default: 60, help: 'seconds\nof grace' },
  shared: { type: 'boolean', env: ['SHARED'], help: 'shared devices' },
} satisfies FlagTable;

describe('parseFlags', () => {
  it('takes flags in both forms, and flags win over environment variables, which win over defaults', () => {
    const r = parseFlags(table, ['--node', 'edge-1', '--grace=5', '--shared'], { NODE_NAME: 'from-env', GRACE_SECONDS: '9' });
    expect(r).toEqual({ ok: true, values: { node: 'edge-1', dir: '/var/lib/akri', grace: 5, shared: true } });
    const env = parseFlags(table, [], { AGENT_NODE_NAME: 'edge-2', GRACE_SECONDS: '9', SHARED: 'true' });
    expect(env).toEqual({ ok: true, values: { node: 'edge-2', dir: '/var/lib/akri', grace: 9, shared: true } });
    expect(parseFlags(table, [], {})).toEqual({ ok: true, values: { node: undefined, dir: '/var/lib/akri', grace: 60, shared: false } });
  });

  it('refuses what it does not know or cannot read, naming the flag or the variable', () => {
    expect(parseFlags(table, ['--nodes', 'x'], {})).toMatchObject({ ok: false, error: expect.stringContaining("'--nodes'") });
    expect(parseFlags(table, ['--grace', 'soon'], {})).toEqual({ ok: false, help: false, error: '--grace: expected a number >= 0, got "soon"' });
    expect(parseFlags(table, [], { GRACE_SECONDS: '-1' })).toEqual({ ok: false, help: false, error: 'GRACE_SECONDS: expected a number >= 0, got "-1"' });
    expect(parseFlags(table, [], { SHARED: 'yes' })).toEqual({ ok: false, help: false, error: 'SHARED: expected true or false, got "yes"' });
    expect(parseFlags(table, ['stray'], {})).toMatchObject({ ok: false, help: false });
  });

  it('answers -h and --help with the usage, which lists every flag with its variable and default', () => {
    expect(parseFlags(table, ['-h'], {})).toEqual({ ok: false, help: true });
    const text = usage('akri-ts agent', table);
    expect(text).toContain('--node <name>');
    expect(text).toContain('NODE_NAME / AGENT_NODE_NAME: this node');
    expect(text).toContain('GRACE_SECONDS: seconds\n');
    expect(text).toMatch(/\n {32}of grace \(default 60\)\n/);
    expect(text).toContain('--shared');
  });
});

describe('serveMetrics', () => {
  it('serves /metrics from the registry and answers /healthz, and nothing else', async () => {
    const registry = new Registry();
    new Counter({ name: 'akri_test_total', help: 'a test counter', registers: [registry] }).inc(3);
    const http = await serveMetrics(registry, 0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${http.port}`;
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('akri_test_total 3');
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.text()).toBe('ok\n');
      expect((await fetch(`${base}/other`)).status).toBe(404);
    } finally {
      await http.close();
    }
  });
});
