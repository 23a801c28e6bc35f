// Where camera credentials may go: only to the address that answered, optionally only inside
// the operator's ranges, and with verifyCertificates only over https.
import { describe, expect, it } from 'vitest';
import { cidr, cidrMatcher } from '../../lib/discovery/address-syntax.ts';
import { mayReceiveCredentials } from './credential-policy.ts';

const open = { httpsOnly: false };

describe('credential policy', () => {
  it('sends credentials to an XAddr whose host is the address that answered', () => {
    expect(mayReceiveCredentials('http://10.0.0.5/onvif/device_service', '10.0.0.5', open)).toEqual({ send: true });
    expect(mayReceiveCredentials('https://[fd00::5]:8443/onvif', 'fd00::5', open)).toEqual({ send: true });
  });

  it('withholds them from another host, a host name, or a URL that does not parse, saying why', () => {
    expect(mayReceiveCredentials('http://10.0.0.99/onvif/device_service', '10.0.0.5', open)).toEqual({
      send: false,
      reason: 'the host 10.0.0.99 is not the address 10.0.0.5 that answered the probe',
    });
    expect(mayReceiveCredentials('http://camera.example/onvif', '10.0.0.5', open)).toMatchObject({ send: false, reason: expect.stringMatching(/is a name/) });
    expect(mayReceiveCredentials('not a url', '10.0.0.5', open)).toMatchObject({ send: false });
  });

  it('credentialCidrs narrow the default rule, never widen it', () => {
    const allowedRange = cidrMatcher([cidr('10.1.0.0/16', 'x')]);
    expect(mayReceiveCredentials('http://10.1.2.3/onvif', '10.1.2.3', { ...open, allowedRange })).toEqual({ send: true });
    expect(mayReceiveCredentials('http://10.2.2.3/onvif', '10.2.2.3', { ...open, allowedRange })).toMatchObject({ send: false, reason: expect.stringMatching(/outside credentialCidrs/) });
    expect(mayReceiveCredentials('http://10.1.9.9/onvif', '10.1.2.3', { ...open, allowedRange })).toMatchObject({ send: false });
  });

  it('with verifyCertificates, only https', () => {
    expect(mayReceiveCredentials('http://10.0.0.5/onvif', '10.0.0.5', { httpsOnly: true })).toMatchObject({ send: false, reason: expect.stringMatching(/not https/) });
    expect(mayReceiveCredentials('https://10.0.0.5/onvif', '10.0.0.5', { httpsOnly: true })).toEqual({ send: true });
  });
});
