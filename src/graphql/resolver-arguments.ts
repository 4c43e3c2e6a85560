import {
  defaultFieldResolver,
  getArgumentValues,
  isObjectType,
  type GraphQLField,
  type GraphQLFieldResolver,
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
 */
export function withCheckedArguments(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      // A subscription's arguments are checked once, when it starts, not again for every event.
      if (field.subscribe) field.subscribe = checked(field, field.subscribe);
      else field.resolve = checked(field, field.resolve ?? defaultFieldResolver);
    }
  }
  return schema;
}

function checked(
  field: GraphQLField<unknown, unknown>,
  resolver: GraphQLFieldResolver<unknown, unknown>,
): GraphQLFieldResolver<unknown, unknown> {
  return (source, executorArgs, context, info) => {
    const fieldNode = info.fieldNodes[0];
    const args = fieldNode ? getArgumentValues(field, fieldNode, info.variableValues) : executorArgs;
    assertWellFormedText(args);
    return resolver(source, args, context, info);
  };
}
