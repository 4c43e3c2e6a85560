import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { formatInstant } from '../domain/time.js';
import { parseRfc3339 } from '../domain/validation.js';
import { builder } from './builder.js';

function invalid(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/**
 * Input scalars parse leniently and leave the rules to the zod schemas of the domain: an error
 * thrown here would stop GraphQL before validation, hiding every other problem of the input and
 * losing the field's path. An unreadable date-time becomes an Invalid Date, which the schema
 * reports as `must be an RFC 3339 date-time …` at its path.
 */
function parseDateTime(value: unknown): Date {
  return parseRfc3339(value) ?? new Date(Number.NaN);
}

builder.scalarType('DateTime', {
  description:
    'An instant as an RFC 3339 string with an offset, such as "2025-11-18T16:00:00.000Z" (always UTC in responses).',
  serialize: (value) => formatInstant(value instanceof Date ? value : new Date(String(value))),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

function literalToJson(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map(literalToJson);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((field) => [field.name.value, literalToJson(field.value)]));
    default:
      throw invalid('Metadata literals may not contain variables.');
  }
}

/** Checked by the domain's metadataSchema (object, key and value rules, each with its path). */
function parseMetadata(value: unknown): unknown {
  return value;
}

builder.scalarType('Metadata', {
  description:
    "A JSON object of string values for the merchant's own use: at most 50 keys of 1–40 characters, values up to 500 characters.",
  serialize: (value) => value,
  parseValue: parseMetadata,
  parseLiteral: (ast) => parseMetadata(literalToJson(ast)),
});
