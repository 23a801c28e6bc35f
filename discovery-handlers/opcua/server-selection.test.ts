// Which applications from a FindServers answer become devices, and under which URL.
import { describe, expect, it } from 'vitest';
import { APPLICATION_TYPE, dedupByUrl, selectServers, urlKey } from './server-selection.ts';

const app = (name: string, type: number, urls: string[]) => ({ applicationUri: `urn:${name}`, applicationName: name, applicationType: type, discoveryUrls: urls });

describe('OPC UA server selection', () => {
  it('keeps Servers and ClientAndServer, drops Clients and DiscoveryServers', () => {
    const selected = selectServers(
      [
        app('s', APPLICATION_TYPE.Server, ['opc.tcp://a:1']),
        app('cs', APPLICATION_TYPE.ClientAndServer, ['opc.tcp://b:1']),
        app('c', APPLICATION_TYPE.Client, ['opc.tcp://c:1']),
        app('lds', APPLICATION_TYPE.DiscoveryServer, ['opc.tcp://d:4840']),
      ],
      undefined,
    );
    expect(selected.map((s) => s.applicationName)).toEqual(['s', 'cs']);
  });

  it('prefers an opc.tcp discovery URL, else takes the first, and skips servers with none', () => {
    const selected = selectServers(
      [
        app('https-first', APPLICATION_TYPE.Server, ['https://a:443/', 'opc.tcp://a:4840/']),
        app('only-https', APPLICATION_TYPE.Server, ['https://b:443/']),
        app('none', APPLICATION_TYPE.Server, []),
      ],
      undefined,
    );
    expect(selected.map((s) => s.discoveryUrl)).toEqual(['opc.tcp://a:4840/', 'https://b:443/']);
  });

  it('treats URLs differing only by trailing slash or host case as one endpoint', () => {
    expect(urlKey('opc.tcp://Host:4840/')).toBe(urlKey('opc.tcp://host:4840'));
    const servers = dedupByUrl([
      { discoveryUrl: 'opc.tcp://h:1', applicationUri: 'u', applicationName: 'n' },
      { discoveryUrl: 'opc.tcp://h:1/', applicationUri: 'u', applicationName: 'n' },
    ]);
    expect(servers).toHaveLength(1);
  });
});
