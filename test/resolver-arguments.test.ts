/**
 * withCheckedArguments coerces a field's arguments once per operation and field node, however
 * many list items resolve it: each item's resolver must receive exactly what graphql-js's own
 * coercion gives for that item, and ill-formed text must still be refused for every item.
 */
import { buildSchema, execute, getArgumentValues, GraphQLError, parse, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { withCheckedArguments } from '../src/graphql/resolver-arguments.js';

const SDL = `
  input Options { locale: String, tags: [String!], meta: Meta }
  scalar Meta
  type Item { label(locale: String, options: Options, times: Int): String }
  type Query { items(count: Int!): [Item!]!, total(count: Int): Int }
`;

/** A schema whose `label` answers with the arguments it received and graphql-js's coercion of them. */
function schemaRecording(seen: unknown[]) {
  const schema = buildSchema(SDL);
  const field = (schema.getType('Item') as GraphQLObjectType).getFields().label!;
  field.resolve = (_source, args, _context, info) => {
    const direct = getArgumentValues(field, info.fieldNodes[0]!, info.variableValues);
    seen.push({ args, direct });
    return JSON.stringify(args);
  };
  const items = schema.getQueryType()!.getFields().items!;
  items.resolve = (_source, args: { count?: number }) => Array.from({ length: args.count ?? 0 }, (_, i) => ({ i }));
  return withCheckedArguments(schema);
}

describe('withCheckedArguments', () => {
  const documents: [string, Record<string, unknown>][] = [
    ['{ items(count: 3) { label } }', {}],
    ['{ items(count: 3) { a: label(locale: "de-DE") b: label(locale: "fr-FR", times: 2) } }', {}],
    [
      'query ($l: String, $o: Options) { items(count: 4) { label(locale: $l, options: $o) x: label(options: { locale: $l, meta: { __proto__: 1, k: "v" } }) } }',
      { l: 'en-GB', o: { tags: ['a', 'b'], meta: { __proto__: { x: 1 }, nested: ['y'] } } },
    ],
    ['query ($o: Options = { locale: "it" }) { items(count: 2) { label(options: $o) } }', {}],
    ['query ($t: Int) { items(count: 2) { ...F } } fragment F on Item { label(times: $t) }', { t: 7 }],
  ];

  it.each(documents)('hands every item the arguments graphql-js coerces: %s', async (text, variables) => {
    const seen: { args: unknown; direct: unknown }[] = [];
    const schema = schemaRecording(seen);
    // Twice with the same document (a cached parse) and fresh variables: nothing carries over.
    for (const run of [1, 2]) {
      const document = parse(text);
      const result = await execute({ schema, document, variableValues: JSON.parse(JSON.stringify(variables)) });
      expect(result.errors, `run ${run}`).toBeUndefined();
    }
    expect(seen.length).toBeGreaterThan(0);
    for (const { args, direct } of seen) expect(args).toEqual(direct);
  });

  it('answers a later operation with other variables from its own variables', async () => {
    const seen: { args: unknown; direct: unknown }[] = [];
    const schema = schemaRecording(seen);
    const document = parse('query ($l: String) { items(count: 2) { label(locale: $l) } }');
    const first = await execute({ schema, document, variableValues: { l: 'de' } });
    const second = await execute({ schema, document, variableValues: { l: 'fr' } });
    expect(first.data).toEqual({ items: [{ label: '{"locale":"de"}' }, { label: '{"locale":"de"}' }] });
    expect(second.data).toEqual({ items: [{ label: '{"locale":"fr"}' }, { label: '{"locale":"fr"}' }] });
  });

  it('refuses ill-formed text for every item that selects it, in literals and variables alike', async () => {
    const schema = schemaRecording([]);
    for (const [text, variables] of [
      ['{ items(count: 3) { label(locale: "a\\u0000b") } }', {}],
      ['query ($o: Options) { items(count: 3) { label(options: $o) } }', { o: { tags: ['ok', 'a\ud800b'] } }],
    ] as const) {
      const result = await execute({ schema, document: parse(text), variableValues: variables });
      expect(result.errors).toHaveLength(3);
      for (const error of result.errors!) expect(error).toBeInstanceOf(GraphQLError);
      expect(result.errors!.map((error) => error.path)).toEqual([0, 1, 2].map((i) => ['items', i, 'label']));
    }
  });

  it('leaves a field whose arguments hold no text unwrapped', () => {
    const schema = schemaRecording([]);
    expect(schema.getQueryType()!.getFields().total!.resolve).toBeUndefined();
  });
});
