import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inlineScriptHashes } from '../src/web'
import { startTestServer, type TestServer } from './test-server'

const INLINE = 'document.documentElement.style.fontSize="20px"'
const webRoot = mkdtempSync(join(tmpdir(), 'anxin-web-'))
let server: TestServer

beforeAll(async () => {
  mkdirSync(join(webRoot, 'js'))
  writeFileSync(
    join(webRoot, 'index.html'),
    `<!doctype html><html><head><script>${INLINE}</script><script defer src="/js/app.1234abcd.js"></script></head><body></body></html>`,
  )
  writeFileSync(join(webRoot, 'js', 'app.1234abcd.js'), 'console.log(1)')
  server = await startTestServer({ env: { WEB_ROOT: webRoot } })
}, 60_000)
afterAll(async () => {
  await server?.close()
  rmSync(webRoot, { recursive: true, force: true })
})

test('the page is served at / with a CSP that allows exactly its inline script', async () => {
  const res = await server.request('/')
  expect(res.status).toBe(200)
  expect(res.headers['content-type']).toMatch(/^text\/html/)
  expect(res.headers['cache-control']).toBe('no-cache')
  const hash = createHash('sha256').update(INLINE).digest('base64')
  const csp = String(res.headers['content-security-policy'])
  expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`)
  expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/)
})

test('hashed files are cached for a year; the API and unknown files stay JSON', async () => {
  const js = await server.request('/js/app.1234abcd.js')
  expect(js.status).toBe(200)
  expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable')
  for (const path of ['/js/missing.js', '/v1/nothing', '/../server.db']) {
    const res = await server.request(path)
    expect(res.status).toBe(404)
    expect((res.body as { error: { code: string } }).error.code).toBe('ERR_NOT_FOUND')
  }
  expect((await server.request('/v1/status')).status).toBe(200)
})

test('inlineScriptHashes ignores external scripts', () => {
  expect(inlineScriptHashes('<script src="/a.js"></script><p>no scripts</p>')).toEqual([])
  expect(inlineScriptHashes('<script>a</script><script type="module">b</script>')).toHaveLength(2)
})

test('without a build, / is a JSON 404 like any unknown route', async () => {
  const bare = await startTestServer()
  try {
    const res = await bare.request('/')
    expect(res.status).toBe(404)
    expect((res.body as { error: { code: string } }).error.code).toBe('ERR_NOT_FOUND')
  } finally {
    await bare.close()
  }
}, 60_000)
