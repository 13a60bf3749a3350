import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const shared: Options = {
  allErrors: true, // report every invalid field at once
  removeAdditional: false, // a field a client must not set (id, owner_id, clicks …) is an error, not dropped silently
  useDefaults: true,
  strict: false,
};

/**
 * Query strings and path parameters arrive as text, so they are coerced ("20" → 20). JSON bodies are
 * validated as sent: coercion there would turn max_clicks 0 into null and "5" into 5 behind the client's back.
 */
const coercing = addFormats(new Ajv({ ...shared, coerceTypes: 'array' }));
const strict = addFormats(new Ajv({ ...shared, coerceTypes: false }));

// `iri` is documented on link URLs; the use case checks them (scheme, loops, credentials) and says why.
for (const ajv of [coercing, strict]) ajv.addFormat('iri', true);

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema);
