import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src', import.meta.url));

function importsOf(folder: string): { file: string; specifier: string }[] {
  const found: { file: string; specifier: string }[] = [];
  for (const entry of readdirSync(`${src}/${folder}`, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = `${entry.parentPath}/${entry.name}`;
    for (const match of readFileSync(path, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      found.push({ file: path.slice(src.length + 1), specifier: match[1]! });
    }
  }
  return found;
}

describe('dependencies point one way: graphql/, hosted/, rest/, workers/ → domain/ → db/', () => {
  it('keeps GraphQL, HTTP and the outer layers out of the domain', () => {
    const forbidden =
      /^(graphql|graphql-yoga|graphql-ws|@pothos\/|@whatwg-node\/|ws$|node:http)|\/(graphql|hosted|rest|workers)\//;
    const imports = importsOf('domain');
    expect(imports.length).toBeGreaterThan(10); // the scan does see the domain's imports
    const offending = imports.filter(
      ({ specifier }) => forbidden.test(specifier) || /^(\.\.\/)+(app|main)(\.js)?$/.test(specifier),
    );
    expect(offending).toEqual([]);
  });

  it('keeps the database layer free of domain and API code', () => {
    const offending = importsOf('db').filter(({ specifier }) =>
      /\/(domain|graphql|hosted|rest|workers)\//.test(specifier),
    );
    expect(offending).toEqual([]);
  });
});
