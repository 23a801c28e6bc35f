// Bluetooth UUIDs arrive in several spellings: 16-bit ("180f"), 32-bit, and 128-bit with or
// without dashes (noble drops the dashes). Filters and the BLE_SERVICE_UUIDS property compare
// one canonical form: the full 128-bit UUID, lower case, dashed, so "180F" written in a
// Configuration matches the same service advertised in its 16-bit short form.

/** The Bluetooth Base UUID that 16- and 32-bit UUIDs abbreviate. */
const BASE_SUFFIX = '-0000-1000-8000-00805f9b34fb';

/** Canonical 128-bit form, or undefined when `raw` is not a UUID in any Bluetooth spelling. */
export function normaliseUuid(raw: string): string | undefined {
  const text = raw.trim().toLowerCase().replace(/^0x/, '');
  if (/^[0-9a-f]{4}$/.test(text)) return `0000${text}${BASE_SUFFIX}`;
  if (/^[0-9a-f]{8}$/.test(text)) return `${text}${BASE_SUFFIX}`;
  const bare = text.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/.test(bare)) return undefined;
  // Dashes, when present, must sit where RFC 4122 puts them; a wrongly dashed string is a typo.
  if (text.includes('-') && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text)) {
    return undefined;
  }
  return `${bare.slice(0, 8)}-${bare.slice(8, 12)}-${bare.slice(12, 16)}-${bare.slice(16, 20)}-${bare.slice(20)}`;
}
