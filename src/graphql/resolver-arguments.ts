import {
  defaultFieldResolver,
  getArgumentValues,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isObjectType,
  isScalarType,
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLInt,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type FieldNode,
  type GraphQLSchema,
} from 'graphql';
import { assertWellFormedText } from '../domain/validation.js';

/**
 * What every resolver taking arguments receives, whichever executor runs it:
 *
 * - The arguments as graphql-js coerces them from the field node and the variables. graphql-jit
 *   compiles inline arguments into JavaScript source as an object literal, where a metadata key
 *   `"__proto__"` sets a prototype instead of a key and was silently dropped (variables kept it).
 * - No string (at any depth, object keys included) that PostgreSQL could not store: NUL or a lone
 *   surrogate is BAD_USER_INPUT at the argument's path, where the statement would have failed
 *   with INTERNAL_SERVER_ERROR. Checked after coercion, so it holds for literals, variables of
 *   any name, defaults and fragments alike, and for arguments added later.
 *
 * Fields whose arguments can hold no text at all (numbers, booleans, enums, and input objects
 * made only of those) are left as they are: there is nothing to check, and no free-form object
 * key for graphql-jit to lose, so coercing their arguments a second time would only cost time.
 */
export function withCheckedArguments(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!field.args.some((arg) => canHoldText(arg.type))) continue;
      // A subscription's arguments are checked once, when it starts, not again for every event.
      if (field.subscribe) field.subscribe = checked(field, field.subscribe);
      else field.resolve = checked(field, field.resolve ?? defaultFieldResolver);
    }
  }
  return schema;
}

const TEXTLESS_SCALARS = new Set<unknown>([GraphQLInt, GraphQLFloat, GraphQLBoolean]);

/** False only when no value of `type` can contain a string (String, ID and custom scalars can). */
function canHoldText(type: GraphQLInputType, seen = new Set<GraphQLInputType>()): boolean {
  const named = getNamedType(type);
  if (isEnumType(named)) return false;
  if (isScalarType(named)) return !TEXTLESS_SCALARS.has(named);
  if (!isInputObjectType(named) || seen.has(named)) return false;
  seen.add(named);
  return Object.values(named.getFields()).some((field) => canHoldText(field.type, seen));
}

/**
 * The coerced arguments depend only on the field node and the operation's variables, so a field
 * resolved for each item of a list (`formattedAmount(locale:)` on a page of 50) is coerced and
 * checked once per operation, not once per item. Only checked arguments are remembered.
 */
function checked(
  field: GraphQLField<unknown, unknown>,
  resolver: GraphQLFieldResolver<unknown, unknown>,
): GraphQLFieldResolver<unknown, unknown> {
  const coerced = new WeakMap<FieldNode, { variables: unknown; args: Record<string, unknown> }>();
  return (source, executorArgs, context, info) => {
    const fieldNode = info.fieldNodes[0];
    if (!fieldNode) {
      assertWellFormedText(executorArgs);
      return resolver(source, executorArgs, context, info);
    }
    const known = coerced.get(fieldNode);
    if (known?.variables === info.variableValues) return resolver(source, known.args, context, info);
    const args = getArgumentValues(field, fieldNode, info.variableValues);
    assertWellFormedText(args);
    coerced.set(fieldNode, { variables: info.variableValues, args });
    return resolver(source, args, context, info);
  };
}
