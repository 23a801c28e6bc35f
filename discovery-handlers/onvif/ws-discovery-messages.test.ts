// WS-Discovery messages: the Probe we send, and reading ProbeMatches, Hello and Bye.
import { describe, expect, it } from 'vitest';
import { buildProbe, deviceUuid, isVideoTransmitter, parseWsDiscovery } from './ws-discovery-messages.ts';

const envelope = (body: string, header = ''): string =>
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Header>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;

describe('WS-Discovery messages', () => {
  it('builds a Probe for NetworkVideoTransmitter that reads back as a Probe', () => {
    const { messageId, xml } = buildProbe('uuid:abc');
    expect(parseWsDiscovery(xml)).toEqual({ kind: 'probe', messageId, types: ['dn:NetworkVideoTransmitter'] });
  });

  it("normalizes the uuid as Akri does (no urn:/uuid: prefix, lower case)", () => {
    expect(deviceUuid('urn:uuid:ABCDEF-1')).toBe('abcdef-1');
    expect(deviceUuid('uuid:x')).toBe('x');
  });

  it('reads every ProbeMatch with its XAddrs and scopes, and RelatesTo', () => {
    const match = (id: string, xaddrs: string): string =>
      `<d:ProbeMatch><a:EndpointReference><a:Address>urn:uuid:${id}</a:Address></a:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes> onvif://a  onvif://b </d:Scopes><d:XAddrs>${xaddrs}</d:XAddrs></d:ProbeMatch>`;
    const message = parseWsDiscovery(
      envelope(`<d:ProbeMatches>${match('one', 'http://10.0.0.1/onvif/device_service http://[fe80::1]/onvif/device_service')}${match('two', 'http://10.0.0.2/x')}</d:ProbeMatches>`, '<a:RelatesTo>uuid:p</a:RelatesTo>'),
    );
    expect(message).toEqual({
      kind: 'probeMatches',
      relatesTo: 'uuid:p',
      endpoints: [
        { uuid: 'one', xaddrs: ['http://10.0.0.1/onvif/device_service', 'http://[fe80::1]/onvif/device_service'], scopes: ['onvif://a', 'onvif://b'], types: ['dn:NetworkVideoTransmitter'] },
        { uuid: 'two', xaddrs: ['http://10.0.0.2/x'], scopes: ['onvif://a', 'onvif://b'], types: ['dn:NetworkVideoTransmitter'] },
      ],
    });
  });

  it('reads Hello and Bye; a Hello without the camera type is not a camera', () => {
    const hello = parseWsDiscovery(envelope('<d:Hello><a:EndpointReference><a:Address>urn:uuid:h</a:Address></a:EndpointReference><d:XAddrs>http://h/</d:XAddrs></d:Hello>'));
    expect(hello).toMatchObject({ kind: 'hello', endpoint: { uuid: 'h', xaddrs: ['http://h/'], types: [] } });
    if (hello.kind !== 'hello') throw new Error('expected a Hello');
    expect(isVideoTransmitter(hello.endpoint, false)).toBe(false);
    expect(isVideoTransmitter(hello.endpoint, true)).toBe(true);
    expect(isVideoTransmitter({ ...hello.endpoint, types: ['tdn:NetworkVideoTransmitter'] }, false)).toBe(true);
    expect(parseWsDiscovery(envelope('<d:Bye><a:EndpointReference><a:Address>urn:uuid:H</a:Address></a:EndpointReference></d:Bye>'))).toEqual({ kind: 'bye', uuid: 'h' });
  });
});
