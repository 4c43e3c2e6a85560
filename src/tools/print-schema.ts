// Prints the schema built from the code; `npm run schema:print` writes it to schema.graphql.
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from '../graphql/schema.js';

process.stdout.write(`${printSchema(lexicographicSortSchema(schema))}\n`);
