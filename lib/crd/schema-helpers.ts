// Small builders for Kubernetes structural-schema features that TypeBox has no words for:
// nullable fields, preserved unknown fields, CEL rules, and a typed escape hatch for the
// core Kubernetes types (PodSpec, JobSpec, ServiceSpec) that we accept without re-declaring.
import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox';

export interface CelRule {
  rule: string;
  message: string;
  /** JSON path, relative to the schema node, that the error is reported on. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export function cel(...rules: CelRule[]): { 'x-kubernetes-validations': CelRule[] } {
  return { 'x-kubernetes-validations': rules };
}

/**
 * A Kubernetes core type embedded in our CRD. The API server keeps the object as written
 * (preserve-unknown-fields) and our static type is the client-node model. `required` lists
 * the top-level keys we insist on, so an empty object is still caught.
 */
export function embedded<T>(description: string, extra: Record<string, unknown> = {}): TUnsafe<T> {
  return Type.Unsafe<T>({
    type: 'object',
    description,
    'x-kubernetes-preserve-unknown-fields': true,
    ...extra,
  });
}

/** Strips TypeBox's symbol metadata, leaving plain OpenAPI v3 JSON. */
export function toOpenApi(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

/** A map of strings, in the structural form (`additionalProperties`) the API server requires. */
export function stringMap(extra: Record<string, unknown> = {}): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string' }, ...extra });
}

/** A string enum, as `enum` rather than TypeBox's anyOf of constants (not structural). */
export function stringEnum<const T extends readonly string[]>(values: T, extra: Record<string, unknown> = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...extra });
}
