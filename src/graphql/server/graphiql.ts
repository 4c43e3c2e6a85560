import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import * as bundle from '@graphql-yoga/render-graphiql/graphiql';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

/**
 * GraphiQL as a small page plus cacheable, compressed assets.
 *
 * Yoga's self-contained build inlines 9 MB of script, styles, three editor workers and a favicon
 * into every page; sent uncompressed that took seconds on loopback. Here the page carries only
 * its options (which may hold the demo key, so it is never cached), and the bundle is served
 * from content-hashed URLs under /graphql/assets/, cached for a year and compressed once, on
 * first use (brotli or gzip, whichever the browser accepts), not at every start.
 */

const GRAPHIQL_ASSET_PREFIX = '/graphql/assets/';

interface Asset {
  contentType: string;
  identity: Buffer;
  encoded?: Promise<{ br: Buffer; gzip: Buffer }>;
}

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

function hashedName(stem: string, extension: string, content: Buffer): string {
  return `${stem}.${createHash('sha256').update(content).digest('hex').slice(0, 16)}.${extension}`;
}

let built: ReturnType<typeof buildAssets> | undefined;

function buildAssets() {
  const assets = new Map<string, Asset>();
  const add = (stem: string, extension: string, contentType: string, content: Buffer) => {
    const name = hashedName(stem, extension, content);
    assets.set(name, { contentType, identity: content });
    return GRAPHIQL_ASSET_PREFIX + name;
  };
  const favicon = /^data:([^;,]+);base64,(.*)$/s.exec(bundle.favicon);
  const urls = {
    script: add('graphiql', 'js', 'text/javascript; charset=utf-8', Buffer.from(bundle.js)),
    style: add('graphiql', 'css', 'text/css; charset=utf-8', Buffer.from(bundle.css)),
    favicon: favicon ? add('favicon', 'ico', favicon[1]!, Buffer.from(favicon[2]!, 'base64')) : undefined,
    workers: {
      editorWorkerService: add(
        'editor-worker',
        'js',
        'text/javascript; charset=utf-8',
        Buffer.from(bundle.editorWorkerService),
      ),
      json: add('json-worker', 'js', 'text/javascript; charset=utf-8', Buffer.from(bundle.jsonWorker)),
      graphql: add('graphql-worker', 'js', 'text/javascript; charset=utf-8', Buffer.from(bundle.graphqlWorker)),
    },
  };
  return { assets, urls };
}

/** Serialises a value into an inline script without letting it close the script element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The content codings a request accepts, among those we keep (q=0 refuses one). */
function preferredEncoding(acceptEncoding: string | null): 'br' | 'gzip' | undefined {
  const accepted = new Set<string>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (coding && (q === undefined || Number(q) > 0)) accepted.add(coding);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return undefined;
}

/**
 * Whether a request came straight from this machine: a loopback peer and no header saying it
 * was forwarded. A reverse proxy on the same host connects from loopback too, on behalf of
 * anyone, and says so in these headers.
 */
export function isDirectLoopback(request: Request, serverContext: unknown): boolean {
  const address = (serverContext as { req?: IncomingMessage } | undefined)?.req?.socket.remoteAddress;
  const loopback = address === '::1' || address === '::ffff:127.0.0.1' || (address?.startsWith('127.') ?? false);
  if (!loopback) return false;
  return !['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip', 'via'].some((name) =>
    request.headers.has(name),
  );
}

export function createGraphiQL() {
  // Built on first use, and shared by every app in the process: the bundle and its compressed
  // forms never change, and a process that never serves GraphiQL need not hash 9 MB at start.
  const bundleAssets = () => (built ??= buildAssets());

  /** Replaces Yoga's renderer: the same GraphiQL, loading its bundle from the asset URLs. */
  const render = (options: GraphiQLOptions & { title?: string }): string => page(bundleAssets().urls, options);

  const page = (
    urls: ReturnType<typeof buildAssets>['urls'],
    options: GraphiQLOptions & { title?: string },
  ): string => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
    ${urls.favicon ? `<link rel="icon" href="${urls.favicon}" />` : ''}
    <link rel="stylesheet" href="${urls.style}" />
    <link rel="preload" href="${urls.script}" as="script" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script>
      const workers = ${scriptJson(urls.workers)};
      self['MonacoEnvironment'] = { globalAPI: false, getWorkerUrl: (moduleId, label) => workers[label] };
    </script>
    <script src="${urls.script}"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptJson(options)});
    </script>
  </body>
</html>
`;

  function encodings(asset: Asset) {
    // Compressed in the thread pool, once per asset and process, when first asked for.
    asset.encoded ??= Promise.all([
      brotli(asset.identity, {
        params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: asset.identity.length },
      }),
      gzipAsync(asset.identity, { level: 6 }),
    ]).then(([br, gz]) => ({ br, gzip: gz }));
    return asset.encoded;
  }

  /** Serves /graphql/assets/<hashed name>: immutable, compressed as the browser accepts. */
  async function serve(request: Request, asset: Asset | undefined): Promise<Response> {
    if (!asset || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return new Response('Not found\n', { status: 404, headers: { 'content-type': 'text/plain' } });
    }
    const encoding = preferredEncoding(request.headers.get('accept-encoding'));
    const body = encoding ? (await encodings(asset))[encoding] : asset.identity;
    const headers: Record<string, string> = {
      'content-type': asset.contentType,
      'content-length': String(body.length),
      'cache-control': 'public, max-age=31536000, immutable',
      vary: 'Accept-Encoding',
      'x-content-type-options': 'nosniff',
    };
    if (encoding) headers['content-encoding'] = encoding;
    return new Response(request.method === 'HEAD' ? null : (body as unknown as BodyInit), { status: 200, headers });
  }

  /** Serves /graphql/assets/<hashed name>: immutable, compressed as the browser accepts. */
  const assetsPlugin: Plugin = {
    onRequest({ request, url, endResponse }) {
      if (!url.pathname.startsWith(GRAPHIQL_ASSET_PREFIX)) return;
      return serve(request, bundleAssets().assets.get(url.pathname.slice(GRAPHIQL_ASSET_PREFIX.length))).then(
        endResponse,
      );
    },
  };

  return { render, assetsPlugin };
}
