// Each shipped handler's own parse of discoveryDetails, by handler name, from the handler
// registry (the one list of handler names): `validate` rejects exactly what the handler would.
export { detailsParser as detailsParserFor, type DetailsParser } from '../../discovery-handlers/registry.ts';
