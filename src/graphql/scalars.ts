import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { parseRfc3339, RFC3339_MESSAGE } from '../domain/validation.js';
import { builder } from './builder.js';


function invalid(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

function parseDateTime(value: unknown): Date {
  const date = parseRfc3339(value);
  if (!date) throw invalid(`DateTime ${RFC3339_MESSAGE}.`);
  return date;
}

builder.scalarType('DateTime', {
  description: 'An instant as an RFC 3339 string in UTC, such as "2025-11-18T16:00:00.000Z".',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString()),
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

function parseMetadata(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('Metadata must be a JSON object whose values are strings.');
  }
  // Own keys only, on a null-prototype copy: "__proto__" stays an ordinary key.
  return Object.assign(Object.create(null) as Record<string, unknown>, value);
}

builder.scalarType('Metadata', {
  description: 'A JSON object of string values for the merchant\'s own use: at most 50 keys of 1–40 characters, values up to 500 characters.',
  serialize: (value) => value,
  parseValue: parseMetadata,
  parseLiteral: (ast) => parseMetadata(literalToJson(ast)),
});
