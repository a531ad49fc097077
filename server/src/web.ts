import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Serves the H5 build (`npm run build:h5` -> dist-h5/) at `/`, so the browser preview shares the
 * API's HTTPS origin: no CORS, no plain-HTTP page. Returns the CSP hashes of the page's inline
 * scripts, so the Content-Security-Policy can allow exactly those and nothing else inline.
 * Without a build, nothing is served and `/` is a JSON 404 like any unknown route.
 */
export async function serveWebBuild(
  app: FastifyInstance,
  webRoot: string,
): Promise<{ served: boolean; inlineScriptHashes: string[] }> {
  const index = join(webRoot, 'index.html')
  if (!existsSync(index)) return { served: false, inlineScriptHashes: [] }
  await app.register(fastifyStatic, {
    root: webRoot,
    prefix: '/',
    // Files are looked up per request, so a rebuild (new hashed names) needs no restart.
    wildcard: true,
    index: ['index.html'],
    // Cache headers are set below, per file.
    cacheControl: false,
    // Hashed file names never change content; index.html must be re-read to find new ones.
    setHeaders(res, path) {
      res.setHeader(
        'cache-control',
        path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
      )
    },
  })
  return { served: true, inlineScriptHashes: inlineScriptHashes(readFileSync(index, 'utf8')) }
}

/** `'sha256-...'` CSP sources for every inline `<script>` of an HTML page. */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = []
  for (const match of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
    hashes.push(`'sha256-${createHash('sha256').update(match[1], 'utf8').digest('base64')}'`)
  }
  return hashes
}
