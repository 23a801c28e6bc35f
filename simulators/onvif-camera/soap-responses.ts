// Response bodies of the simulated camera, shaped like a real Profile S camera's so that
// third-party clients (the onvif npm package, onvif-util) read them.

export const NAMESPACES =
  ' xmlns:s="http://www.w3.org/2003/05/soap-envelope"' +
  ' xmlns:tds="http://www.onvif.org/ver10/device/wsdl"' +
  ' xmlns:trt="http://www.onvif.org/ver10/media/wsdl"' +
  ' xmlns:tt="http://www.onvif.org/ver10/schema"' +
  ' xmlns:ter="http://www.onvif.org/ver10/error"';

export function soapEnvelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope${NAMESPACES}><s:Body>${body}</s:Body></s:Envelope>`;
}

export function soapFault(code: 'Sender' | 'Receiver', subcode: string, reason: string): string {
  return soapEnvelope(
    `<s:Fault><s:Code><s:Value>s:${code}</s:Value><s:Subcode><s:Value>${subcode}</s:Value></s:Subcode></s:Code>` +
      `<s:Reason><s:Text xml:lang="en">${reason}</s:Text></s:Reason></s:Fault>`,
  );
}

export function systemDateAndTime(now: Date): string {
  return soapEnvelope(
    '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>' +
      '<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>' +
      '<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone><tt:UTCDateTime>' +
      `<tt:Time><tt:Hour>${now.getUTCHours()}</tt:Hour><tt:Minute>${now.getUTCMinutes()}</tt:Minute><tt:Second>${now.getUTCSeconds()}</tt:Second></tt:Time>` +
      `<tt:Date><tt:Year>${now.getUTCFullYear()}</tt:Year><tt:Month>${now.getUTCMonth() + 1}</tt:Month><tt:Day>${now.getUTCDate()}</tt:Day></tt:Date>` +
      '</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>',
  );
}

export function networkInterfaces(ip: string, mac: string): string {
  return soapEnvelope(
    '<tds:GetNetworkInterfacesResponse>' +
      // A disabled Wi-Fi interface first, as some cameras list: readers must skip it.
      '<tds:NetworkInterfaces token="wlan0"><tt:Enabled>false</tt:Enabled>' +
      '<tt:Info><tt:Name>wlan0</tt:Name><tt:HwAddress>00:00:00:00:00:00</tt:HwAddress><tt:MTU>1500</tt:MTU></tt:Info></tds:NetworkInterfaces>' +
      '<tds:NetworkInterfaces token="eth0"><tt:Enabled>true</tt:Enabled>' +
      `<tt:Info><tt:Name>eth0</tt:Name><tt:HwAddress>${mac}</tt:HwAddress><tt:MTU>1500</tt:MTU></tt:Info>` +
      '<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config>' +
      `<tt:Manual><tt:Address>${ip}</tt:Address><tt:PrefixLength>24</tt:PrefixLength></tt:Manual>` +
      '<tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4></tds:NetworkInterfaces>' +
      '</tds:GetNetworkInterfacesResponse>',
  );
}

export function capabilities(deviceUrl: string, mediaUrl: string): string {
  return soapEnvelope(
    '<tds:GetCapabilitiesResponse><tds:Capabilities>' +
      `<tt:Device><tt:XAddr>${deviceUrl}</tt:XAddr></tt:Device>` +
      `<tt:Media><tt:XAddr>${mediaUrl}</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>` +
      '<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>' +
      '</tds:Capabilities></tds:GetCapabilitiesResponse>',
  );
}

export function deviceInformation(uuid: string): string {
  return soapEnvelope(
    '<tds:GetDeviceInformationResponse><tds:Manufacturer>akri-ts</tds:Manufacturer><tds:Model>SimCam</tds:Model>' +
      `<tds:FirmwareVersion>1.0</tds:FirmwareVersion><tds:SerialNumber>${uuid}</tds:SerialNumber>` +
      '<tds:HardwareId>sim</tds:HardwareId></tds:GetDeviceInformationResponse>',
  );
}

const PROFILE =
  '<trt:Profiles token="profile_1" fixed="true"><tt:Name>main</tt:Name>' +
  '<tt:VideoSourceConfiguration token="vsc_1"><tt:Name>vsc</tt:Name><tt:UseCount>1</tt:UseCount>' +
  '<tt:SourceToken>vs_1</tt:SourceToken><tt:Bounds x="0" y="0" width="1280" height="720"/></tt:VideoSourceConfiguration>' +
  '<tt:VideoEncoderConfiguration token="vec_1"><tt:Name>vec</tt:Name><tt:UseCount>1</tt:UseCount>' +
  '<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>1280</tt:Width><tt:Height>720</tt:Height></tt:Resolution>' +
  '<tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>15</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>' +
  '<tt:BitrateLimit>2048</tt:BitrateLimit></tt:RateControl><tt:H264><tt:GovLength>30</tt:GovLength><tt:H264Profile>Main</tt:H264Profile></tt:H264>' +
  '<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration></trt:Profiles>';

export function profiles(): string {
  return soapEnvelope(`<trt:GetProfilesResponse>${PROFILE}</trt:GetProfilesResponse>`);
}

export function profile(): string {
  return soapEnvelope(`<trt:GetProfileResponse>${PROFILE.replaceAll('trt:Profiles', 'trt:Profile')}</trt:GetProfileResponse>`);
}

export function videoSources(): string {
  return soapEnvelope(
    '<trt:GetVideoSourcesResponse><trt:VideoSources token="vs_1"><tt:Framerate>15</tt:Framerate>' +
      '<tt:Resolution><tt:Width>1280</tt:Width><tt:Height>720</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>',
  );
}

export function streamUri(uri: string): string {
  return soapEnvelope(
    `<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>${uri}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
      '<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>',
  );
}

/** A classic "billion laughs": tiny on the wire, gigabytes if a parser expands entities. */
export function xmlBomb(): string {
  const levels = ['<!ENTITY lol0 "lololololololololololololololololololol">'];
  for (let i = 1; i <= 9; i++) levels.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  return `<?xml version="1.0"?><!DOCTYPE s:Envelope [${levels.join('')}]><s:Envelope${NAMESPACES}><s:Body><tds:GetNetworkInterfacesResponse>&lol9;</tds:GetNetworkInterfacesResponse></s:Body></s:Envelope>`;
}

export function hostname(name: string): string {
  return soapEnvelope(
    `<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP><tt:Name>${name}</tt:Name></tds:HostnameInformation></tds:GetHostnameResponse>`,
  );
}
