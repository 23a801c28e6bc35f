// The few ONVIF calls discovery needs, over the bounded SOAP client: GetSystemDateAndTime
// (liveness, unauthenticated by the spec), GetNetworkInterfaces (IP and MAC, authenticated),
// and GetCapabilities + GetProfiles + GetStreamUri for the first profile's RTSP URI.
import { childPath, findAll, findFirst, textOf, type XmlElement } from './bounded-xml.ts';
import type { Credential } from './credential-store.ts';
import { soapCall, type SoapCallOptions } from './soap-client.ts';

export interface CameraCallOptions {
  timeoutMs: number;
  maxResponseBytes: number;
  signal?: AbortSignal;
  verifyCertificates?: boolean;
  caCertificates?: string;
}

/** The credential to sign a request to `url` with, or undefined to send none (policy says no). */
export type CredentialFor = (url: string) => Credential | undefined;

export interface IpAndMac {
  ip: string;
  mac: string;
}

function soapOptions(options: CameraCallOptions, credential?: Credential, clockOffsetMs?: number): SoapCallOptions {
  return { ...options, credential, clockOffsetMs };
}

/** Returns the camera clock minus ours (ms), or 0 when the camera gives no UTC time. */
export async function getSystemDateAndTime(serviceUrl: string, options: CameraCallOptions): Promise<number> {
  const response = await soapCall(serviceUrl, '<tds:GetSystemDateAndTime/>', soapOptions(options));
  const utc = findFirst(response, 'UTCDateTime');
  const date = childPath(utc, 'Date');
  const time = childPath(utc, 'Time');
  const n = (e: XmlElement | undefined, name: string): number => Number(textOf(childPath(e, name)) ?? NaN);
  const at = Date.UTC(n(date, 'Year'), n(date, 'Month') - 1, n(date, 'Day'), n(time, 'Hour'), n(time, 'Minute'), n(time, 'Second'));
  return Number.isFinite(at) ? at - Date.now() : 0;
}

function ipv4Of(iface: XmlElement): string | undefined {
  const ipv4 = childPath(iface, 'IPv4');
  if (textOf(childPath(ipv4, 'Enabled')) === 'false') return undefined;
  const config = childPath(ipv4, 'Config');
  for (const source of ['Manual', 'FromDHCP', 'LinkLocal']) {
    const address = textOf(childPath(config, source, 'Address'));
    if (address) return address;
  }
  return undefined;
}

/**
 * The interface carrying the service URL's host if there is one, else the first enabled
 * interface with an IPv4 address (a camera may list a disabled Wi-Fi interface first).
 */
export async function getNetworkInterfaces(
  serviceUrl: string,
  credential: Credential | undefined,
  clockOffsetMs: number,
  options: CameraCallOptions,
): Promise<IpAndMac> {
  const response = await soapCall(serviceUrl, '<tds:GetNetworkInterfaces/>', soapOptions(options, credential, clockOffsetMs));
  const candidates = findAll(response, 'NetworkInterfaces')
    .filter((iface) => textOf(childPath(iface, 'Enabled')) !== 'false')
    .map((iface) => ({ ip: ipv4Of(iface), mac: textOf(childPath(iface, 'Info', 'HwAddress')) }))
    .filter((c): c is IpAndMac => c.ip !== undefined && c.mac !== undefined);
  const host = new URL(serviceUrl).hostname;
  const chosen = candidates.find((c) => c.ip === host) ?? candidates[0];
  if (!chosen) throw new Error(`no enabled IPv4 interface with a MAC address in GetNetworkInterfaces from ${serviceUrl}`);
  return chosen;
}

/**
 * The first media profile's RTSP URI, or undefined when the camera has no media service. The
 * media service's URL comes from the camera's answer, so the credential is asked for per URL.
 */
export async function getFirstRtspUri(
  serviceUrl: string,
  credentialFor: CredentialFor,
  clockOffsetMs: number,
  options: CameraCallOptions,
): Promise<string | undefined> {
  const call = (url: string, body: string): Promise<XmlElement> =>
    soapCall(url, body, soapOptions(options, credentialFor(url), clockOffsetMs));
  const capabilities = await call(
    serviceUrl,
    '<tds:GetCapabilities><tds:Category>Media</tds:Category></tds:GetCapabilities>',
  );
  const mediaUrl = textOf(childPath(findFirst(capabilities, 'Media'), 'XAddr'));
  if (!mediaUrl) return undefined;
  const profiles = await call(mediaUrl, '<trt:GetProfiles/>');
  const token = findFirst(profiles, 'Profiles')?.attributes.token;
  if (!token) return undefined;
  const stream = await call(
    mediaUrl,
    '<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream>' +
      '<tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>' +
      `<trt:ProfileToken>${token.replace(/[<>&'"]/g, '')}</trt:ProfileToken></trt:GetStreamUri>`,
  );
  return textOf(childPath(findFirst(stream, 'MediaUri'), 'Uri'));
}
