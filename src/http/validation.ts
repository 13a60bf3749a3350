import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { AppError } from '../domain/errors.js';
import { NOT_PLAIN_MESSAGE, fieldsNotPlain } from '../domain/plain-text.js';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const shared: Options = {
  allErrors: true, // report every invalid field at once
  removeAdditional: false, // a field a client must not set (id, owner_id, clicks …) is an error, not dropped silently
  useDefaults: true,
  // A union tagged by a property (a rule's conditions, by `type`) is checked against its tagged branch
  // alone, so an error names the field that is wrong, not every branch of the union.
  discriminator: true,
  strict: false,
};

/**
 * Query strings and path parameters arrive as text, so they are coerced ("20" → 20). JSON bodies are
 * validated as sent: coercion there would turn max_clicks 0 into null and "5" into 5 behind the client's back.
 */
const coercing = addFormats(new Ajv({ ...shared, coerceTypes: 'array' }));
const strict = addFormats(new Ajv({ ...shared, coerceTypes: false }));

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema);

/** A JSON body's validator, as routes get it, for a part of a body checked by the handler (a bulk request's items). */
export const bodyValidator = (schema: object) => strict.compile(schema);

/**
 * A route whose body holds a list of items each answered on its own (POST /links/bulk: `links`) checks
 * each item's text itself (`itemNotPlain`), so that one item's control character is that item's 400,
 * not the whole request's; the rest of its body is checked here as any body is.
 */
export const itemsCheckedByHandler = (property: string) => ({ itemsCheckedByHandler: property });
function bodyOutsideItems(request: FastifyRequest): unknown {
  const property = (request.routeOptions.config as { itemsCheckedByHandler?: string } | undefined)?.itemsCheckedByHandler;
  const { body } = request;
  if (property === undefined || body === null || typeof body !== 'object' || !Array.isArray((body as Record<string, unknown>)[property])) return body;
  return { ...body, [property]: [] };
}

/** The 400 of an item (of such a route) holding text that is not plain, named as the hook names a body's fields; undefined if all is plain. */
export function itemNotPlain(item: unknown): AppError | undefined {
  const fields = fieldsNotPlain(item, 'body');
  return fields.length === 0 ? undefined : notPlain(fields);
}

const notPlain = (fields: string[]): AppError =>
  new AppError('validation', `${fields.join(', ')} ${NOT_PLAIN_MESSAGE}`, fields.map((field) => ({ field, message: NOT_PLAIN_MESSAGE })));

/**
 * preValidation, for every route (schema or none, string field or any): refuses a request whose path
 * parameters, query or body hold text that is not plain (domain/plain-text.ts), with one 400 naming
 * each such field, before the schema, the handler or any query sees it.
 */
export async function refuseControlCharacters(request: FastifyRequest): Promise<void> {
  const fields = [
    ...fieldsNotPlain(request.params, 'path'),
    ...fieldsNotPlain(request.query, 'query'),
    ...fieldsNotPlain(bodyOutsideItems(request), 'body'),
  ];
  if (fields.length > 0) throw notPlain(fields);
}
