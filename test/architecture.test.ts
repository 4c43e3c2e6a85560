import { readdirSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src', import.meta.url));

interface Import {
  file: string;
  specifier: string;
  /** The imported module's path under src/ (`domain/errors.js`); null for a package. */
  target: string | null;
}

function importsOf(folder: string): Import[] {
  const found: Import[] = [];
  for (const entry of readdirSync(`${src}/${folder}`, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = `${entry.parentPath}/${entry.name}`;
    for (const match of readFileSync(path, 'utf8').matchAll(
      /^\s*(?:import|export)(?:[^'"]*?from)?\s*['"]([^'"]+)['"]/gm,
    )) {
      const specifier = match[1]!;
      const target = specifier.startsWith('.') ? relative(src, resolve(dirname(path), specifier)) : null;
      found.push({ file: relative(src, path), specifier, target });
    }
  }
  return found;
}

/** Imports of our own modules whose path under src/ matches `forbidden`. */
function reaching(imports: Import[], forbidden: RegExp): Import[] {
  return imports.filter(({ target }) => target !== null && forbidden.test(target));
}

/** Packages of the GraphQL and HTTP edges, which only the outer layers may use. */
const EDGE_PACKAGES = /^(graphql|graphql-yoga|graphql-ws|@pothos\/|@whatwg-node\/|ws$|node:http)/;

describe('dependencies point one way: graphql/, hosted/, rest/, workers/ → infra/ → domain/ → db/', () => {
  it('keeps GraphQL, HTTP, infrastructure and the outer layers out of the domain', () => {
    const imports = importsOf('domain');
    expect(imports.length).toBeGreaterThan(10); // the scan does see the domain's imports
    expect(imports.some(({ file }) => file.startsWith('domain/events/'))).toBe(true); // and its folders'
    const offending = [
      ...imports.filter(({ specifier }) => EDGE_PACKAGES.test(specifier)),
      // Of our own modules only the domain's, the database layer's, and the trace context an event carries.
      ...reaching(imports, /^(?!domain\/|db\/|observability\/tracing\.js$)/),
    ];
    expect(offending).toEqual([]);
  });

  it('keeps the database layer free of domain and API code', () => {
    const offending = reaching(
      importsOf('db'),
      /^(domain|graphql|hosted|rest|workers|http|infra|cli|tools)\/|^(app|main)\.js$/,
    );
    expect(offending).toEqual([]);
  });

  it('keeps infrastructure (event fan-out, rate limits) under the API layers: it serves them, never calls them', () => {
    const imports = importsOf('infra');
    expect(imports.length).toBeGreaterThan(3);
    const offending = [
      ...imports.filter(({ specifier }) => EDGE_PACKAGES.test(specifier)),
      ...reaching(imports, /^(graphql|hosted|rest|workers|http|cli|tools)\/|^(app|main)\.js$/),
    ];
    expect(offending).toEqual([]);
  });

  it('keeps the rate limiter free of the domain but for the error it throws', () => {
    const imports = importsOf('infra/rate-limit');
    expect(imports.length).toBeGreaterThan(3);
    // The domain meets the limiter only as the FailureBudget app.ts hands the key authenticator;
    // a limiter that reached further into the domain would tie the two back together.
    expect(reaching(imports, /^(?!infra\/rate-limit\/|observability\/logger\.js$|domain\/errors\.js$)/)).toEqual([]);
  });
});

describe('the edges stand side by side: each reaches the domain, none reaches another', () => {
  const edges = ['graphql', 'rest', 'hosted', 'workers'] as const;
  for (const edge of edges) {
    it(`${edge}/ imports no other edge and not the HTTP server (http/) that routes to it`, () => {
      const imports = importsOf(edge);
      expect(imports.length).toBeGreaterThan(3);
      const others = edges.filter((other) => other !== edge).join('|');
      expect(reaching(imports, new RegExp(`^(${others}|http|cli|tools)/|^(app|main)\\.js$`))).toEqual([]);
    });
  }

  it('the schema (graphql/*.ts) does not reach the server that serves it (graphql/server/)', () => {
    const schemaFiles = importsOf('graphql').filter(({ file }) => !file.startsWith('graphql/server/'));
    expect(schemaFiles.length).toBeGreaterThan(10);
    expect(reaching(schemaFiles, /^graphql\/server\//)).toEqual([]);
  });
});
