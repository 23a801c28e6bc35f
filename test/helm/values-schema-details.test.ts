// The chart's values.schema.json refuses unknown discoveryDetails fields (a typo fails at
// `helm install`), so it must know every field the handlers themselves accept, the akri-ts
// fields beyond Akri included: otherwise a user could write them in a Configuration but never
// set them through the chart. Ranges stay the handlers' own check (one source for each bound).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ONVIF_DETAIL_FIELDS } from '../../discovery-handlers/onvif/onvif-details.ts';
import { OPCUA_DETAIL_FIELDS } from '../../discovery-handlers/opcua/opcua-details.ts';
import { chartDir } from './helm-cli.ts';

interface SchemaNode { properties?: Record<string, SchemaNode>; additionalProperties?: unknown }
const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as SchemaNode;

function detailsSchema(handler: string): SchemaNode | undefined {
  return schema.properties?.[handler]?.properties?.configuration?.properties?.discoveryDetails;
}

describe("the chart's values schema and the handlers' discoveryDetails", () => {
  for (const [handler, fields] of [
    ['onvif', ONVIF_DETAIL_FIELDS],
    ['opcua', OPCUA_DETAIL_FIELDS],
  ] as const) {
    it(`${handler}: the schema admits exactly the fields the handler parses, and no others`, () => {
      const details = detailsSchema(handler);
      expect(details?.additionalProperties).toBe(false);
      expect(Object.keys(details?.properties ?? {}).sort()).toEqual([...fields].sort());
    });
  }
});
