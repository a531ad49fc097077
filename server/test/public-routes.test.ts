import { request as httpRequest } from 'node:http'
import { connect as tlsConnect } from 'node:tls'
import { findCity } from '../../src/services/city-list'
import { redactUrl } from '../src/app'
import { startTestServer, within, type TestServer } from './test-server'

const NOW = new Date('2026-11-25T06:30:00Z')
let server: TestServer

beforeAll(async () => {
  server = await startTestServer({ clock: { now: () => NOW, advance: () => undefined } })
}, 60_000)
afterAll(async () => server?.close())

const code = (body: unknown) => (body as { error?: { code?: string } }).error?.code

describe('GET /v1/weather', () => {
  test('by city id: the shared forecast, marked as from the server', async () => {
    const res = await server.request('/v1/weather?cityId=shanghai')
    expect(res.status).toBe(200)
    const body = res.body as {
      city: { id: string }
      source: string
      daily: unknown[]
      updatedAt: string
    }
    expect(body.city.id).toBe('shanghai')
    expect(body.source).toBe('server')
    expect(body.daily).toHaveLength(5)
    expect(body.updatedAt).toBe(NOW.toISOString())
  })

  test('by coarse coordinates: the nearest listed city', async () => {
    const res = await server.request('/v1/weather?lat=39.9&lon=116.41')
    expect(res.status).toBe(200)
    expect((res.body as { city: { id: string } }).city.id).toBe('beijing')
    const south = await server.request('/v1/weather?lat=22.3&lon=114')
    expect((south.body as { city: { id: string } }).city).toEqual(findCity('hongkong'))
  })

  test.each([
    ['unknown city', '?cityId=atlantis', 404, 'ERR_CITY_NOT_FOUND'],
    ['three decimals', '?lat=39.904&lon=116.41', 400, 'ERR_COORDINATES_TOO_PRECISE'],
    ['six decimals', '?lat=39.90&lon=116.407396', 400, 'ERR_COORDINATES_TOO_PRECISE'],
    ['latitude only', '?lat=39.9', 400, 'ERR_VALIDATION'],
    ['latitude out of range', '?lat=91&lon=0', 400, 'ERR_VALIDATION'],
    ['not a number', '?lat=north&lon=0', 400, 'ERR_VALIDATION'],
    ['exponent notation', '?lat=3.99e1&lon=116', 400, 'ERR_VALIDATION'],
    ['both id and coordinates', '?cityId=beijing&lat=39.9&lon=116.41', 400, 'ERR_VALIDATION'],
    ['nothing', '', 400, 'ERR_VALIDATION'],
    ['unknown field', '?cityId=beijing&debug=1', 400, 'ERR_VALIDATION'],
    [
      'script string',
      `?cityId=${encodeURIComponent('<script>alert(1)</script>')}`,
      400,
      'ERR_VALIDATION',
    ],
    ['SQL injection', `?cityId=${encodeURIComponent("beijing' OR '1'='1")}`, 400, 'ERR_VALIDATION'],
    ['oversized id', `?cityId=${'a'.repeat(500)}`, 400, 'ERR_VALIDATION'],
    ['repeated id', '?cityId=beijing&cityId=shanghai', 400, 'ERR_VALIDATION'],
  ])('%s -> %i %s', async (_name, query, status, errorCode) => {
    const res = await server.request(`/v1/weather${query}`)
    expect(res.status).toBe(status)
    expect(code(res.body)).toBe(errorCode)
  })
})

describe('GET /v1/cities', () => {
  test('searches the shared list', async () => {
    const res = await server.request(`/v1/cities?q=${encodeURIComponent('广东')}`)
    expect(res.status).toBe(200)
    expect((res.body as { cities: Array<{ id: string }> }).cities.map((c) => c.id)).toEqual([
      'guangzhou',
      'shenzhen',
    ])
    const limited = await server.request('/v1/cities?limit=3')
    expect((limited.body as { cities: unknown[] }).cities).toHaveLength(3)
  })

  test.each([
    ['zero limit', '?limit=0', 400, 'ERR_VALIDATION'],
    ['huge limit', '?limit=1000', 400, 'ERR_VALIDATION'],
    ['text limit', '?limit=ten', 400, 'ERR_VALIDATION'],
    ['unknown field', '?q=bei&admin=true', 400, 'ERR_VALIDATION'],
    ['oversized query', `?q=${'x'.repeat(41)}`, 400, 'ERR_VALIDATION'],
  ])('%s', async (_name, query, status, errorCode) => {
    const res = await server.request(`/v1/cities${query}`)
    expect(res.status).toBe(status)
    expect(code(res.body)).toBe(errorCode)
  })

  test.each([
    ['SQL-looking', "' OR 1=1 --"],
    ['script', '<img src=x onerror=alert(1)>'],
  ])('a %s search is only text: nothing found, nothing echoed', async (_name, q) => {
    const res = await server.request(`/v1/cities?q=${encodeURIComponent(q)}`)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ cities: [] })
  })
})

describe('status and the maintenance header', () => {
  test('no incident: maintenance off, no header', async () => {
    const res = await server.request('/v1/status')
    expect(res.body).toEqual({ maintenance: false })
    expect(res.headers['x-maintenance']).toBeUndefined()
  })

  test('an incident written by another process shows within 2 s, on status and as a header', async () => {
    server.db
      .prepare(
        'INSERT INTO incidents (id, message, started_at, retry_after_seconds) VALUES (?, ?, ?, ?)',
      )
      .run('inc-1', '系统维护中，请稍后再试', '2026-11-25T06:00:00.000Z', 120)
    try {
      const status = await within(2000, async () => {
        const res = await server.request('/v1/status')
        expect((res.body as { maintenance: boolean }).maintenance).toBe(true)
        return res
      })
      expect(status.body).toEqual({
        maintenance: true,
        message: '系统维护中，请稍后再试',
        incidentId: 'inc-1',
        since: '2026-11-25T06:00:00.000Z',
        retryAfterSeconds: 120,
      })
      const other = await server.request('/v1/cities?q=bei')
      expect(other.headers['x-maintenance']).toBe('1')
    } finally {
      server.db.prepare("UPDATE incidents SET ended_at = '2026-11-25T07:00:00.000Z'").run()
    }
    await within(2000, async () => {
      expect((await server.request('/v1/status')).body).toEqual({ maintenance: false })
    })
  })
})

describe('every response', () => {
  test('malformed HTTP gets the JSON error shape too: 400 ERR_BAD_REQUEST', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: server.port, ca: server.ca }, () => {
        socket.write('GET /v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n')
      })
      let text = ''
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
      socket.on('end', () => resolve(text))
      socket.on('error', reject)
    })
    expect(raw).toMatch(/^HTTP\/1\.1 400 /)
    expect(JSON.parse(raw.split('\r\n\r\n')[1])).toEqual({
      error: { code: 'ERR_BAD_REQUEST', message: 'The request is not valid HTTP.' },
    })
  })

  test('unknown routes answer ERR_NOT_FOUND as JSON', async () => {
    const res = await server.request('/v2/anything')
    expect(res.status).toBe(404)
    expect(code(res.body)).toBe('ERR_NOT_FOUND')
  })

  // Every path and method: edge-answers.test.ts.
  test('a known route with a method it does not take: 405 ERR_METHOD_NOT_ALLOWED with Allow', async () => {
    for (const [method, path] of [
      ['POST', '/v1/weather'],
      ['DELETE', '/v1/status'],
    ]) {
      const res = await server.request(path, { method })
      expect(res.status).toBe(405)
      expect(code(res.body)).toBe('ERR_METHOD_NOT_ALLOWED')
      expect(res.headers.allow).toBe('GET, HEAD')
    }
  })

  test('security headers are set', async () => {
    const res = await server.request('/v1/status')
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/)
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['content-security-policy']).toBeDefined()
  })

  // Nothing the API answers is kept by a browser, proxy or CDN: a cached status would hide an
  // incident, a cached data export or error would hand personal data to the next user of a cache.
  test.each([
    ['the kill-switch status', '/v1/status', 200],
    ['weather', '/v1/weather?cityId=beijing', 200],
    ['a refused query', '/v1/weather?cityId=nowhere', 404],
    ['a route that needs a session', '/v1/me/data', 401],
    ['an unknown API route', '/v1/nope', 404],
  ])('%s (%s) answers with cache-control: no-store', async (_, path, status) => {
    const res = await server.request(path)
    expect(res.status).toBe(status)
    expect(res.headers['cache-control']).toBe('no-store')
  })

  test('other browser origins are refused; WeChat (no Origin) and the own origin pass', async () => {
    const evil = await server.request('/v1/status', { headers: { origin: 'https://evil.example' } })
    expect(evil.status).toBe(403)
    expect(code(evil.body)).toBe('ERR_ORIGIN_NOT_ALLOWED')
    const own = await server.request('/v1/status', { headers: { origin: server.url } })
    expect(own.status).toBe(200)
  })

  test('plain HTTP gets no API answer: the server speaks HTTPS only', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: server.port, path: '/v1/status' },
        (res) => {
          let text = ''
          res.on('data', (chunk) => (text += chunk))
          res.on('end', () => resolve(`${res.statusCode} ${text}`))
        },
      )
      req.on('error', (error) => resolve(`error ${error.message}`))
      req.setTimeout(3000, () => req.destroy(new Error('timeout')))
      req.end()
    })
    expect(outcome).not.toContain('"maintenance"')
  })
})

describe('logs', () => {
  test('coordinates and credentials never reach the log', async () => {
    await server.request('/v1/weather?lat=31.23&lon=121.47', {
      headers: { authorization: 'Bearer secret-token-123', cookie: 'sid=cookie-secret-456' },
    })
    const logged = server.logs.join('\n')
    expect(logged).toContain('/v1/weather')
    expect(logged).not.toContain('31.23')
    expect(logged).not.toContain('121.47')
    expect(logged).not.toContain('secret-token-123')
    expect(logged).not.toContain('cookie-secret-456')
  })

  test.each([
    ['/v1/weather?lat=39.9&lon=116.41', '/v1/weather?lat=[redacted]&lon=[redacted]'],
    ['/v1/weather?cityId=x&LAT=1', '/v1/weather?cityId=x&LAT=[redacted]'],
    ['/v1/cities?q=bei', '/v1/cities?q=bei'],
  ])('redactUrl(%s)', (url, expected) => {
    expect(redactUrl(url)).toBe(expected)
  })
})
