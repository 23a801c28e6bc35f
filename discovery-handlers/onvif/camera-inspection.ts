// Turns one announced camera endpoint (service URL + uuid + the address that announced it)
// into a device, or into a reason it is not one: Akri's filter order (uuid, liveness, IP/MAC
// query, ipAddresses, macAddresses) plus our RTSP URI. Every failure becomes a CameraProblem
// with a kind. Credentials go only where credential-policy.ts allows; elsewhere the call is
// made without them and the refusal is a problem of kind "credentials-withheld".
import type { DiscoveredDevice } from '../../lib/discovery/handler.ts';
import type { Credential, CredentialStore } from './credential-store.ts';
import { normaliseMac } from '../../lib/discovery/address-syntax.ts';
import { passesFilterOnValue, shouldInclude } from '../../lib/discovery/filter-list.ts';
import { mayReceiveCredentials, type CredentialPolicy } from './credential-policy.ts';
import {
  getFirstRtspUri,
  getNetworkInterfaces,
  getSystemDateAndTime,
  type CameraCallOptions,
  type IpAndMac,
} from './onvif-device-client.ts';
import type { OnvifDiscoveryDetails } from './onvif-details.ts';
import { SoapFailure, type SoapFailureKind } from './soap-client.ts';

export const ONVIF_DEVICE_SERVICE_URL = 'ONVIF_DEVICE_SERVICE_URL';
export const ONVIF_DEVICE_UUID = 'ONVIF_DEVICE_UUID';
export const ONVIF_DEVICE_IP_ADDRESS = 'ONVIF_DEVICE_IP_ADDRESS';
export const ONVIF_DEVICE_MAC_ADDRESS = 'ONVIF_DEVICE_MAC_ADDRESS';
/** Ours: Akri's onvif broker asks the camera itself; brokers here can read it directly. */
export const ONVIF_DEVICE_RTSP_URL = 'ONVIF_DEVICE_RTSP_URL';

export interface CameraProblem {
  serviceUrl: string;
  uuid: string;
  step: 'liveness' | 'network-interfaces' | 'stream-uri';
  kind: SoapFailureKind | 'invalid-response' | 'credentials-withheld';
  message: string;
}

export type InspectionResult =
  | { outcome: 'device'; device: DiscoveredDevice; problems: CameraProblem[] }
  | { outcome: 'filtered'; reason: string; problems: CameraProblem[] }
  | { outcome: 'unreachable'; problems: CameraProblem[] };

export function problemOf(serviceUrl: string, uuid: string, step: CameraProblem['step'], error: unknown): CameraProblem {
  if (error instanceof SoapFailure) return { serviceUrl, uuid, step, kind: error.kind, message: error.message };
  return { serviceUrl, uuid, step, kind: 'invalid-response', message: error instanceof Error ? error.message : String(error) };
}

export interface AnnouncedCamera {
  serviceUrl: string;
  uuid: string;
  /** The source address of the ProbeMatch or Hello that named this service URL. */
  responder: string;
}

export async function inspectCamera(
  camera: AnnouncedCamera,
  details: OnvifDiscoveryDetails,
  credentials: CredentialStore,
  policy: CredentialPolicy,
  options: CameraCallOptions,
): Promise<InspectionResult> {
  const { serviceUrl, uuid } = camera;
  const problems: CameraProblem[] = [];
  const withheldFrom = new Set<string>();
  const credentialFor = (url: string, step: CameraProblem['step']): Credential | undefined => {
    const credential = credentials.get(uuid);
    if (!credential) return undefined;
    const decision = mayReceiveCredentials(url, camera.responder, policy);
    if (decision.send) return credential;
    if (!withheldFrom.has(url)) {
      withheldFrom.add(url);
      problems.push({ serviceUrl, uuid, step, kind: 'credentials-withheld', message: `credentials not sent to ${url}: ${decision.reason}` });
    }
    return undefined;
  };
  if (!shouldInclude(details.uuids, uuid, true)) return { outcome: 'filtered', reason: 'uuids', problems };

  let clockOffsetMs: number;
  try {
    clockOffsetMs = await getSystemDateAndTime(serviceUrl, options);
  } catch (error) {
    problems.push(problemOf(serviceUrl, uuid, 'liveness', error));
    return { outcome: 'unreachable', problems };
  }

  let ipAndMac: IpAndMac | undefined;
  try {
    ipAndMac = await getNetworkInterfaces(serviceUrl, credentialFor(serviceUrl, 'network-interfaces'), clockOffsetMs, options);
  } catch (error) {
    problems.push(problemOf(serviceUrl, uuid, 'network-interfaces', error));
  }
  if (!passesFilterOnValue(details.ipAddresses, ipAndMac?.ip)) return { outcome: 'filtered', reason: 'ipAddresses', problems };
  const mac = ipAndMac ? normaliseMac(ipAndMac.mac) : undefined;
  if (!passesFilterOnValue(details.macAddresses, mac)) return { outcome: 'filtered', reason: 'macAddresses', problems };

  const properties: Record<string, string> = {
    [ONVIF_DEVICE_SERVICE_URL]: serviceUrl,
    [ONVIF_DEVICE_UUID]: uuid,
  };
  if (ipAndMac) {
    properties[ONVIF_DEVICE_IP_ADDRESS] = ipAndMac.ip;
    properties[ONVIF_DEVICE_MAC_ADDRESS] = ipAndMac.mac;
  }
  try {
    const rtsp = await getFirstRtspUri(serviceUrl, (url) => credentialFor(url, 'stream-uri'), clockOffsetMs, options);
    if (rtsp) properties[ONVIF_DEVICE_RTSP_URL] = rtsp;
  } catch (error) {
    problems.push(problemOf(serviceUrl, uuid, 'stream-uri', error));
  }
  return {
    outcome: 'device',
    device: { id: `${serviceUrl}-${uuid}`, properties, mounts: [], deviceSpecs: [] },
    problems,
  };
}
