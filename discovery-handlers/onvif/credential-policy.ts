// Where a camera credential may be sent. A WS-Discovery reply is a UDP datagram anyone on the
// network can send, and it may name an XAddr on any host: sent there, the username travels in
// clear and the password digest can be guessed offline. So, by default, credentials go only to
// a URL whose host is exactly the address that answered the probe (or sent the Hello) for
// that camera; an operator may narrow that further to CIDR ranges (credentialCidrs); and with
// verifyCertificates on they go only over https to a certificate that verified. Everything
// else is still asked without credentials (a camera may answer), and the refusal is reported.
import { isIP } from 'node:net';

export interface CredentialPolicy {
  /** Operator's ranges (credentialCidrs); undefined: no narrowing. */
  allowedRange?: (address: string) => boolean;
  /** verifyCertificates: only https (whose certificate the client verifies). */
  httpsOnly: boolean;
}

export type CredentialDecision = { send: true } | { send: false; reason: string };

/** Host of a URL without IPv6 brackets; undefined when the URL does not parse. */
export function urlHost(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return undefined;
  }
}

/**
 * May the credential for a camera that answered from `responder` go to `url`? Pure: the
 * caller passes the responder's address as the datagram's source said it.
 */
export function mayReceiveCredentials(url: string, responder: string, policy: CredentialPolicy): CredentialDecision {
  const host = urlHost(url);
  if (host === undefined) return { send: false, reason: 'the URL does not parse' };
  const scheme = new URL(url).protocol;
  if (scheme !== 'http:' && scheme !== 'https:') return { send: false, reason: `the URL's scheme ${scheme} is not http or https` };
  if (isIP(host) === 0) {
    return { send: false, reason: `the host ${host} is a name, not the address ${responder} that answered the probe` };
  }
  if (host.toLowerCase() !== responder.toLowerCase()) {
    return { send: false, reason: `the host ${host} is not the address ${responder} that answered the probe` };
  }
  if (policy.allowedRange && !policy.allowedRange(host)) {
    return { send: false, reason: `${host} is outside credentialCidrs` };
  }
  if (policy.httpsOnly && !url.toLowerCase().startsWith('https:')) {
    return { send: false, reason: 'verifyCertificates is on and the URL is not https' };
  }
  return { send: true };
}
