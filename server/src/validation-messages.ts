/**
 * Validation failures in words a person can act on: which field, and what is allowed. The
 * validator's own messages ("must match exactly one schema in oneOf", "must match pattern
 * ^[a-z]+$") describe the schema, not the request; the error code stays ERR_VALIDATION either
 * way, and clients branch on the code, never on the message.
 *
 * Ajv runs with `verbose: true`, so each error carries the schema it broke: a `pattern` is
 * explained by the `description` next to it in the route's schema, and an unknown field by the
 * list of fields the route accepts. The offending value is never repeated back (it may be
 * anything, secrets included); an unknown field's name is, quoted and shortened.
 */

/** The parts of an Ajv error (with `verbose`) this module reads. */
export interface SchemaError {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  schema?: unknown
  parentSchema?: { description?: string; properties?: Record<string, unknown> }
  data?: unknown
}

/** Fastify's `schemaErrorFormatter`: the error whose message the client receives. */
export function formatValidationErrors(errors: SchemaError[], dataVar: string): Error {
  return new Error(validationMessage(errors, dataVar))
}

/** One sentence about the failure that matters most. */
export function validationMessage(errors: SchemaError[], dataVar: string): string {
  // A oneOf/anyOf failure comes after the failures of each of its alternatives; it is the one
  // that says what the request should have been.
  const error = errors.find((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf') ?? errors[0]
  const part = dataVar === 'querystring' ? 'query' : dataVar
  if (!error) return `The ${part} is not valid.`
  const path = fieldPath(error.instancePath)
  const field = (name: string) => quoted(path ? `${path}.${name}` : name)
  const self = path ? quoted(path) : `The ${part}`
  const params = error.params

  switch (error.keyword) {
    case 'required':
      return `${field(String(params.missingProperty))} is required in the ${part}.`
    case 'additionalProperties': {
      const accepted = Object.keys(error.parentSchema?.properties ?? {}).join(', ') || 'none'
      const what = part === 'query' ? 'a query parameter' : 'a field'
      return `${field(String(params.additionalProperty))} is not ${what} of this route; it accepts: ${accepted}.`
    }
    case 'type':
      // Query values are text; a parameter given twice arrives as a list.
      if (part === 'query' && Array.isArray(error.data)) return `${self} must be given once.`
      return `${self} must be ${typeInWords(String(params.type), path === '')}.`
    case 'enum':
      return `${self} must be one of: ${(params.allowedValues as unknown[]).join(', ')}.`
    case 'minLength':
      return Number(params.limit) === 1
        ? `${self} must not be empty.`
        : `${self} must be at least ${String(params.limit)} characters.`
    case 'maxLength':
      return `${self} must be at most ${String(params.limit)} characters.`
    case 'pattern':
      return `${self} ${error.parentSchema?.description ?? 'is not in the accepted form'}.`
    case 'minimum':
      return `${self} must be at least ${String(params.limit)}.`
    case 'exclusiveMinimum':
      return `${self} must be more than ${String(params.limit)}.`
    case 'maximum':
      return `${self} must be at most ${String(params.limit)}.`
    case 'exclusiveMaximum':
      return `${self} must be less than ${String(params.limit)}.`
    case 'minItems':
      return `${self} must hold at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}.`
    case 'maxItems':
      return `${self} must hold at most ${String(params.limit)} items.`
    case 'oneOf':
    case 'anyOf':
      return `The ${part} needs ${alternatives(error.schema)}.`
    default:
      return `${self} is not valid.`
  }
}

/** `/reports/3/message` -> `reports[3].message` */
function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment, i) =>
      /^\d+$/.test(segment) ? `[${segment}]` : i === 0 ? segment : `.${segment}`,
    )
    .join('')
}

/** A field name as it may be shown: quoted, control characters escaped, at most 40 characters. */
export function quoted(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name)
}

function typeInWords(type: string, isWholeBody: boolean): string {
  switch (type) {
    case 'string':
      return 'text (a JSON string)'
    case 'integer':
      return 'a whole number'
    case 'number':
      return 'a number'
    case 'boolean':
      return 'true or false'
    case 'array':
      return 'a list (a JSON array)'
    case 'object':
      return isWholeBody ? 'a JSON object' : 'an object'
    default:
      return type
  }
}

/** `[{required: ['cityId']}, {required: ['lat', 'lon']}]` -> `either cityId, or lat and lon (not both)` */
function alternatives(schema: unknown): string {
  const options = Array.isArray(schema)
    ? schema.map((option: { required?: string[] }) => (option.required ?? []).join(' and '))
    : []
  if (options.length === 2 && options.every(Boolean)) {
    return `either ${options[0]}, or ${options[1]} (not both)`
  }
  if (options.length > 0 && options.every(Boolean)) {
    return `exactly one of: ${options.join('; ')}`
  }
  return 'a different combination of fields'
}
