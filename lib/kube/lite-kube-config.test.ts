import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestOptions } from 'node:https';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { LiteKubeConfig, UnsupportedKubeConfig } from './lite-kube-config.ts';

function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = { server: 'https://10.0.0.1:6443', 'certificate-authority-data': Buffer.from('CA').toString('base64') }): string {
  const dir = mkdtempSync(join(tmpdir(), 'lite-kc-'));
  const path = join(dir, 'config');
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'edge',
      contexts: [{ name: 'other', context: { cluster: 'x', user: 'x' } }, { name: 'edge', context: { cluster: 'site', user: 'op' } }],
      clusters: [{ name: 'site', cluster }],
      users: [{ name: 'op', user }],
    }),
  );
  writeFileSync(join(dir, 'token'), 'from-file\n');
  return path;
}

describe('LiteKubeConfig', () => {
  it('uses the current context\'s server, CA and client certificate', async () => {
    const kc = LiteKubeConfig.fromFile(kubeconfig({ 'client-certificate-data': Buffer.from('CERT').toString('base64'), 'client-key-data': Buffer.from('KEY').toString('base64') }));
    const options: RequestOptions = {};
    await kc.applyToHTTPSOptions(options);
    expect(kc.getCurrentCluster().server).toBe('https://10.0.0.1:6443');
    expect([String(options.ca), String(options.cert), String(options.key)]).toEqual(['CA', 'CERT', 'KEY']);
  });

  it('sends a bearer token, read from its file at each request', async () => {
    const kc = LiteKubeConfig.fromFile(kubeconfig({ tokenFile: 'token' }));
    const options: RequestOptions = {};
    await kc.applyToHTTPSOptions(options);
    expect(options.headers).toEqual({ authorization: 'Bearer from-file' });
  });

  it('reads a YAML kubeconfig (kubectl writes YAML) exactly as the same one in JSON', async () => {
    const json = kubeconfig({ 'client-certificate-data': Buffer.from('CERT').toString('base64'), 'client-key-data': Buffer.from('KEY').toString('base64') });
    const yamlPath = `${json}.yaml`;
    writeFileSync(yamlPath, stringify(parse(readFileSync(json, 'utf8'))));
    expect(readFileSync(yamlPath, 'utf8').trimStart().startsWith('{')).toBe(false);
    const fromYaml: RequestOptions = {};
    const fromJson: RequestOptions = {};
    await LiteKubeConfig.fromFile(yamlPath).applyToHTTPSOptions(fromYaml);
    await LiteKubeConfig.fromFile(json).applyToHTTPSOptions(fromJson);
    expect(fromYaml).toEqual(fromJson);
    expect(String(fromYaml.cert)).toBe('CERT');
  });

  it('refuses what it does not implement, so the caller can fall back to client-node', () => {
    expect(() => LiteKubeConfig.fromFile(kubeconfig({ exec: { command: 'aws' } }))).toThrow(UnsupportedKubeConfig);
  });
});
