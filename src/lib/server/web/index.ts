/**
 * The owners' web pages: plain HTML, CSS and ES modules from the top-level `web/` folder (no framework,
 * no build step), served by ordinary public routes so they are rate-limited and audited like the API.
 *
 * - `webSecurityHeaders(app)` puts a strict Content-Security-Policy (no inline script or style), nosniff
 *   and no-referrer on every response of the server, API included.
 * - `webAssetRoute` serves `GET /web/<path>` from `web/` (and `/web/vendor/<file>` from VENDOR), with an
 *   ETag and `Cache-Control: no-cache` so a new release is picked up at the next load.
 * - `definePage({url, file, action})` declares a page route: the HTML file, `Cache-Control: no-store`.
 *
 * Pages fetch their data from the JSON API; every value from the server is rendered with textContent.
 */
import {createHash} from 'node:crypto'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, extname, join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {FastifyInstance, FastifyReply} from 'fastify'

import {notFound} from '../http-error.js'
import {defineRoute, type RateLimit} from '../route.js'

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

/** The `web/` folder at the package root (this file sits at src|dist/lib/server/web/). */
export const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'web')

/** Browser bundles of installed packages, served at /web/vendor/<name>. */
const VENDOR: Record<string, string> = {'tus.min.js': 'tus-js-client/dist/tus.min.js'}

/** Page rate limits: a person loads a page a few times a minute; assets come in a handful per page. */
export const PAGE_RATE_LIMIT: RateLimit = {max: 120, windowSeconds: 60}
export const ASSET_RATE_LIMIT: RateLimit = {max: 1200, windowSeconds: 60}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
}

interface Asset {
  body: Buffer
  type: string
  etag: string
}

let assets: Map<string, Asset> | undefined

/** Every file under web/ plus the vendor bundles, read once: the set is fixed for a release, and a path not in it is a 404. */
export function webAssets(): Map<string, Asset> {
  if (assets) return assets
  const found = new Map<string, Asset>()
  const add = (name: string, file: string) => {
    const body = readFileSync(file)
    found.set(name, {body, type: TYPES[extname(file)] ?? 'application/octet-stream', etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`})
  }
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const file = join(dir, entry)
      if (statSync(file).isDirectory()) walk(file)
      else add(relative(WEB_ROOT, file).split(sep).join('/'), file)
    }
  }
  walk(WEB_ROOT)
  const require = createRequire(import.meta.url)
  for (const [name, spec] of Object.entries(VENDOR)) add(`vendor/${name}`, require.resolve(spec))
  return (assets = found)
}

function sendAsset(reply: FastifyReply, name: string, ifNoneMatch: string | undefined, cache: string): FastifyReply {
  const asset = webAssets().get(name)
  if (!asset) throw notFound(`page asset ${name}`)
  reply.header('cache-control', cache).header('etag', asset.etag)
  if (ifNoneMatch === asset.etag) return reply.code(304).send()
  return reply.type(asset.type).send(asset.body)
}

/** Security headers on every response (pages and API alike). */
export function webSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cross-origin-opener-policy', 'same-origin')
    return payload
  })
}

/** `GET /web/<path>`: a file from web/ or a vendor bundle. */
export const webAssetRoute = defineRoute({
  method: 'GET',
  url: '/web/*',
  action: 'web.asset',
  roles: 'public',
  rateLimit: ASSET_RATE_LIMIT,
  handler: ({params, req, reply}) => sendAsset(reply, params['*'] ?? '', req.headers['if-none-match'], 'no-cache'),
})

/** A page: its URL, its HTML file under web/, the audit action of a view. Public (the page's API calls carry the credential). */
export function definePage(page: {url: string; file: string; action: string; rateLimit?: RateLimit}) {
  return defineRoute({
    method: 'GET',
    url: page.url,
    action: page.action,
    roles: 'public',
    rateLimit: page.rateLimit ?? PAGE_RATE_LIMIT,
    handler: ({req, reply}) => sendAsset(reply, page.file, req.headers['if-none-match'], 'no-store'),
  })
}
