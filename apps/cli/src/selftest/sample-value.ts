/** The part of JSON Schema (as an OpenAPI 3.1 document writes it) the sampler reads. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

export interface SampleContext {
  /** `components.schemas` of the document, for `$ref`s. */
  schemas: Record<string, JsonSchema>;
  /** What a `uuid` field gets: the other canary's id in one request, an unknown one in its twin. */
  uuid: string;
  /** A unique word for free text. */
  word: string;
}

/**
 * A value the schema accepts, built from the schema alone (required
 * properties only, the first enum value or alternative, the shortest
 * string), so that a request gets past validation to the handler, where
 * isolation is decided. Ids take the value the context gives.
 */
export function sampleValue(schema: JsonSchema, context: SampleContext, name = '', depth = 0): unknown {
  if (depth > 8) return null;
  if (schema.$ref) {
    const target = context.schemas[schema.$ref.split('/').pop() ?? ''];
    return target ? sampleValue(target, context, name, depth + 1) : null;
  }
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const alternative = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (alternative) return sampleValue(alternative, context, name, depth + 1);
  if (schema.allOf?.length) {
    return Object.assign({}, ...schema.allOf.map((part) => sampleValue(part, context, name, depth + 1)));
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const key of schema.required ?? []) {
        const property = schema.properties?.[key];
        if (property) value[key] = sampleValue(property, context, key, depth + 1);
      }
      return value;
    }
    case 'array': {
      const item = schema.items ? sampleValue(schema.items, context, name, depth + 1) : null;
      return Array.from({ length: schema.minItems ?? 0 }, () => item);
    }
    case 'integer':
    case 'number':
      return Math.max(1, Math.ceil(schema.minimum ?? (schema.exclusiveMinimum ?? 0) + 1));
    case 'boolean':
      return false;
    case 'string':
      return sampleString(schema, context, name);
    default:
      return null;
  }
}

function sampleString(schema: JsonSchema, context: SampleContext, name: string): string {
  if (schema.format === 'uuid' || /id$/i.test(name)) return context.uuid;
  if (schema.format === 'email' || /email/i.test(name)) return `${context.word}@selftest.invalid`;
  if (schema.format === 'date-time') return new Date().toISOString();
  if (/password/i.test(name)) return `Selftest-${context.word}-passphrase`;
  const text = /slug/i.test(name) ? `selftest-${context.word}` : `Selftest ${context.word}`;
  const min = schema.minLength ?? 0;
  const padded = text.length >= min ? text : text.padEnd(min, 'x');
  return schema.maxLength !== undefined ? padded.slice(0, Math.max(schema.maxLength, min)) : padded;
}
